from django.core.management.base import BaseCommand, CommandError

from casework.audit import seal_all, verify_chain


class Command(BaseCommand):
    help = (
        "Seal any audit events not yet chained, then walk the hash chain; name the first "
        "broken event and exit 1 if any."
    )

    def handle(self, *args, **options):
        sealed = seal_all()
        if sealed:
            self.stdout.write(f"sealed {sealed} pending events")
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.broken_at}: {report.problem} "
                f"({report.checked} events before it verified)",
                returncode=1,
            )
        self.stdout.write(f"audit chain intact: {report.checked} events verified")
