"""What one report carries: a text-only case's conversation as a supplemental file, and, when
the lead asks, the same account's other confirmed files that no report has carried yet."""

from __future__ import annotations

import hashlib

import pytest

from casework.cases import filing
from casework.escalation import facts, outbox
from casework.escalation.models import Escalation
from casework.hotlines.ncmec import schema
from tests.helpers import stored_image
from tests.hotlines.escalations import approve, text_case, us_account

pytestmark = pytest.mark.django_db

CONVERSATION = "user A: how old are you?\nuser B: 12\nuser A: don't tell your parents ✋"


def test_a_text_only_case_is_reported_with_its_conversation_as_supplemental(sandbox):
    case = text_case(1, CONVERSATION)
    approve(case, 1, incident_type=facts.ENTICEMENT_INCIDENT)
    escalation = Escalation.objects.get(case=case)
    assert outbox.drive(escalation.pk) == "finished"

    [report] = sandbox.finished()
    root = schema.parse(report.xml.encode())
    assert root.findtext("incidentSummary/incidentType") == facts.ENTICEMENT_INCIDENT
    [file] = report.files.values()
    assert file.md5 == hashlib.md5(CONVERSATION.encode(), usedforsecurity=False).hexdigest()
    details = schema.parse(file.details_xml.encode())
    assert details.findtext("fileRelevance") == "Supplemental Reported"
    assert CONVERSATION not in (root.findtext("additionalInfo") or "")


def account_case(n: int, account: str):
    fields = us_account(n) | {"uploader": {"id": account, "screen_name": account}}
    media, _ = stored_image(n, f"ext-{n}", **fields)
    return filing.file_report(media.report_id), media


def test_the_accounts_other_confirmed_files_go_once_when_the_lead_includes_them(sandbox):
    # An earlier case on the account, approved without a hotline report (target removed).
    earlier, earlier_media = account_case(1, "repeat")
    approve(earlier, 1, approval={"targets": [], "reason": "reported by the platform's parent"})
    assert not Escalation.objects.filter(case=earlier).exists()

    current, current_media = account_case(2, "repeat")
    approve(current, 2, approval={"include_account_files": True})
    escalation = Escalation.objects.get(case=current)
    assert outbox.drive(escalation.pk) == "finished"
    [report] = sandbox.finished()
    assert sorted(f.md5 for f in report.files.values()) == sorted(
        [earlier_media.md5, current_media.md5]
    )

    # A later case that includes the account's files again: the earlier ones are carried.
    later, later_media = account_case(3, "repeat")
    approve(later, 3, approval={"include_account_files": True})
    assert outbox.drive(Escalation.objects.get(case=later).pk) == "finished"
    latest = max(sandbox.finished(), key=lambda r: r.id)
    assert [f.md5 for f in latest.files.values()] == [later_media.md5]
    assert f"<priorCTReports>{report.id}</priorCTReports>" in latest.xml


def test_without_the_choice_only_the_cases_own_files_go(sandbox):
    earlier, _ = account_case(1, "solo")
    approve(earlier, 1, approval={"targets": [], "reason": "reported elsewhere"})
    current, current_media = account_case(2, "solo")
    approve(current, 2)
    outbox.drive(Escalation.objects.get(case=current).pk)
    [report] = sandbox.finished()
    assert [f.md5 for f in report.files.values()] == [current_media.md5]
