"""Reads of cases for pages and for the intake API."""

from __future__ import annotations

from typing import Any

from casework.models import Case, Decision

# What a platform may learn of a decision: only decisions that stand.
FINAL_STATUSES = {Case.Status.APPROVED, Case.Status.CLOSED}


def case_for_platform(report: Any) -> dict[str, Any]:
    """The case a report is in, its status, and the verdict once it is final."""
    case = Case.objects.filter(case_reports__report=report).only("id", "status", "verdict").first()
    if case is None:
        return {"case_id": None, "case_status": None, "verdict": None}
    verdict = case.verdict if case.status in FINAL_STATUSES else None
    return {"case_id": case.pk, "case_status": case.status, "verdict": verdict}


def latest_decision(case: Case) -> Decision | None:
    return case.decisions.select_related("decided_by", "approved_by", "returned_by").first()
