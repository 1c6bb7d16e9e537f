from django.core.management.base import BaseCommand

from casework.audit import checkpoints, seal_all


class Command(BaseCommand):
    help = (
        "Seal pending audit events and append a signed checkpoint of the chain to "
        "AUDIT_CHECKPOINT_DIR now (the worker does it every AUDIT_CHECKPOINT_SECONDS)."
    )

    def handle(self, *args, **options):
        seal_all()
        checkpoint = checkpoints.publish()
        if checkpoint is None:
            self.stdout.write("nothing new to checkpoint: the newest checkpoint is current")
            return
        self.stdout.write(
            f"checkpoint #{checkpoint.number}: {checkpoint.events} events, head "
            f"{checkpoint.head[:16]}…, written to {checkpoints.checkpoint_file()}"
        )
