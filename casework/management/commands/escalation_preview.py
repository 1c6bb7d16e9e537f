"""Print the exact documents an escalation would send, sending nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.escalation import actions
from casework.hotlines import TARGETS
from casework.models import Case


class Command(BaseCommand):
    help = (
        "Print the exact documents that would be sent to a hotline for a case (for NCMEC: the "
        "report and each file's details, with placeholder ids where NCMEC gives them), and "
        "what would make the report incomplete. Sends nothing and changes no case; works "
        "before approval too. The preview itself is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("case_id", type=int)
        parser.add_argument("--target", choices=sorted(TARGETS), default="ncmec")

    def handle(self, *args, case_id: int, target: str, **options):
        if not Case.objects.filter(pk=case_id).exists():
            raise CommandError(f"There is no case {case_id}.")
        documents, problems = actions.preview_documents(
            case_id=case_id, target=target, actor="system:escalation_preview"
        )
        for document in documents:
            self.stdout.write(f"===== {document.name} ({document.content_type})")
            self.stdout.write(document.body)
        if problems:
            self.stdout.write("===== would be refused at approval:")
            for problem in problems:
                self.stdout.write(f"- {problem}")
