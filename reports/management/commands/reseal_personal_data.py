from django.core.management.base import BaseCommand

from reports import sealing
from reports.resealing import reseal_all
from reports.signals import personal_data_resealed


class Command(BaseCommand):
    help = (
        "Seal the stored personal data (report uploader, reporter, victim, content, "
        "description, external id, payload; media file names; documents sent to hotlines) "
        "again under the first key of EVIDENCE_KEYS, with their search digests. Run it after "
        "putting a new key first; it can be stopped and run again. Audited."
    )

    def handle(self, *args, **options):
        key_id = sealing.current_key_id()
        self.stdout.write(f"resealing under key {key_id!r}")

        def progress(label: str, done: int) -> None:
            self.stdout.write(f"  {label}: {done} rows resealed")

        counts = reseal_all(progress)
        personal_data_resealed.send(sender=None, key_id=key_id, counts=counts)
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"resealed {total} rows under key {key_id!r}"))
