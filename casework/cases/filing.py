"""Filing reports into cases: reports about the same content (the same media SHA-256, or
near-duplicate pixels by PDQ in any orientation) share one case, so a reviewer sees a piece
of content once, not once per report. The batch filer (filer.py) does the work; this is
what the rest of Casework asks of filing."""

from __future__ import annotations

from typing import Any

from casework.cases.case_facts import (
    refresh_case,
    refresh_facts,
    report_ids_of,
    reroute_after_match,
    reroute_on_match,
)
from casework.cases.filer import file_batch
from casework.models import Case

__all__ = [
    "case_for_platform",
    "file_report",
    "refresh_case",
    "refresh_facts",
    "report_ids_of",
    "reroute_after_match",
    "reroute_on_match",
]


def file_report(report_id: int) -> Case:
    """File one ready report now, or find the case it is in (the filer files in batches)."""
    filed = file_batch(1, only=[report_id]).get(report_id)
    if filed is not None:
        return filed
    return Case.objects.get(case_reports__report_id=report_id)


# A verdict that stands: approved, or closed without needing approval.
FINAL_STATUSES = {
    Case.Status.APPROVED,
    Case.Status.ESCALATING,
    Case.Status.ESCALATED,
    Case.Status.CLOSED,
}


def case_for_platform(report: Any) -> dict[str, Any]:
    """The case a report is in, its status, and its verdict as soon as it is recorded, with
    whether it is final (merged into what the intake API tells the platform about its
    report). A CSAM verdict awaiting its second person is not final, but already means "take
    it down"; the webhook says the same at the same moment."""
    case = Case.objects.filter(case_reports__report=report).only("id", "status", "verdict").first()
    if case is None:
        return {
            "case_id": None,
            "case_status": None,
            "verdict": None,
            "verdict_final": False,
            "escalations": [],
        }
    verdict = case.verdict or None
    escalations = [
        {"target": target, "state": state, "hotline_id": hotline_id or None}
        for target, state, hotline_id in case.escalations.order_by("id").values_list(
            "target", "state", "hotline_id"
        )
    ]
    return {
        "case_id": case.pk,
        "case_status": case.status,
        "verdict": verdict,
        "verdict_final": verdict is not None and case.status in FINAL_STATUSES,
        "escalations": escalations,
    }
