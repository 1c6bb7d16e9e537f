from django.core.management.base import BaseCommand

from casework.cases import filing
from casework.models import Case


class Command(BaseCommand):
    help = (
        "Recompute the priority reasons and the copied report facts (source, reason, "
        "jurisdiction, matched lists, video, AI marker) of open cases filed before Casework "
        "kept them, and re-route those a CSAM list matches (audited). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every case, not only open ones")

    def handle(self, *args, all: bool = False, **options):
        cases = Case.objects.all() if all else Case.objects.filter(status__in=Case.OPEN_STATUSES)
        done = 0
        for case_id in cases.order_by("pk").values_list("pk", flat=True).iterator():
            filing.refresh_case(case_id)
            done += 1
        self.stdout.write(f"refreshed {done} cases")
