"""Cases as the escalation tests need them: decided CSAM-confirmed and approved, so the
approval has written their outbox rows."""

from __future__ import annotations

from typing import Any

from casework import roles
from casework.cases import claims, decisions, evidence, filing
from casework.escalation.models import Escalation
from casework.models import Case
from tests.helpers import make_user, stored_image


def us_account(n: int) -> dict[str, Any]:
    return {"jurisdiction": "US", "uploader": {"id": f"acct-{n}", "screen_name": "someone"}}


def approved_case(n: int = 1, *, reveal: bool = False, **report_fields) -> Escalation:
    media, _ = stored_image(n, f"ext-{n}", **(us_account(n) | report_fields))
    case = filing.file_report(media.report_id)
    labels = {str(media.pk): {"industry": "A1", "annotations": ["generativeAi"]}}
    approve(case, n, reveal=[media.pk] if reveal else [], media_labels=labels)
    return Escalation.objects.get(case=case, target="ncmec")


def text_case(n: int, description: str, **report_fields) -> Case:
    """A case from a report with text and no media (a grooming conversation)."""
    from reports.models import Platform, Report

    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id=f"text-{n}",
        reported_at="2026-11-01T00:00:00Z",
        reason="grooming",
        description=description,
        raw_payload={},
        status="processed",
        **(us_account(n) | report_fields),
    )
    return filing.file_report(report.pk)


def approve(
    case: Case, n: int, *, reveal: list[int] = (), approval: dict | None = None, **decision
) -> None:
    """A reviewer decides CSAM confirmed (revealing the given media first) and a lead
    approves with the given approval options."""
    reviewer = make_user(f"rev-{n}", roles.REVIEWER)
    lead = make_user(f"lead-{n}", roles.ESCALATION_LEAD)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    for media_id in reveal:
        evidence.reveal_media(case_id=case.pk, media_id=media_id, user=reviewer)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="csam_confirmed", **decision)
    decisions.approve_decision(case_id=case.pk, lead=lead, **(approval or {}))
