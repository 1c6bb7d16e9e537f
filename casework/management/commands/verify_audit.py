from django.core.management.base import BaseCommand, CommandError

from casework.audit import checkpoints
from casework.audit.verification import verify_log


class Command(BaseCommand):
    help = (
        "Seal any audit events not yet chained (unless they appeared below a signed "
        "checkpoint), walk the hash chain and compare it with every signed checkpoint in "
        "AUDIT_CHECKPOINT_DIR; name what is broken or missing and exit 1 if anything is."
    )

    def handle(self, *args, **options):
        report = verify_log(seal=True)
        if not report.ok:
            where = f" at event #{report.broken_at}" if report.broken_at else ""
            raise CommandError(
                f"audit chain broken{where}: {report.problem} "
                f"({report.checked} events before it verified)",
                returncode=1,
            )
        self.stdout.write(
            f"audit chain intact: {report.checked} events verified, "
            f"{report.checkpoints} signed checkpoints matched ({checkpoints.checkpoint_file()})"
        )
