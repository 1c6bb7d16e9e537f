"""Filing reports into cases: reports about the same content (the same media SHA-256, or
near-duplicate pixels by PDQ in any orientation) share one case, so a reviewer sees a piece
of content once, not once per report. Two near-duplicates (not identical) filed in the
same instant can still open two cases; a lead merges them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit
from casework.cases.routing import route
from casework.models import Case, CaseContent, CaseReport
from reports import api


def report_ids_of(case: Case) -> list[int]:
    return list(case.case_reports.values_list("report_id", flat=True))


def priority_of(case: Case) -> int:
    """Higher is reviewed sooner: a child in imminent danger first, then a hash-list match,
    then classifier confidence, then how many reports the content drew. Age breaks ties at
    claim time."""
    facts = api.report_facts(report_ids_of(case))
    return (
        10_000 * facts.child_in_imminent_danger
        + 5_000 * facts.hash_list_match
        + int(100 * facts.top_classifier_score) * 10
        + min(facts.count, 100)
    )


def file_report(report_id: int) -> Case:
    """Put a processed report into the case covering its content, or open a new case."""
    with transaction.atomic():
        existing = CaseReport.objects.filter(report_id=report_id).select_related("case").first()
        if existing:
            return existing.case
        report = api.report_with_media(report_id)
        hashes = sorted({m.sha256 for m in report.media.all() if m.sha256})
        with connection.cursor() as cursor:
            # Two reports of new content filed at once must not open two cases.
            for sha256 in hashes:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [sha256])
        case = _case_for_content(report, hashes)
        opened = case is None
        if opened:
            queue = route(report)
            case = Case.objects.create(
                queue=queue, deadline_at=timezone.now() + timedelta(hours=queue.deadline_hours)
            )
        CaseReport.objects.create(case=case, report_id=report_id)
        CaseContent.objects.bulk_create(
            [CaseContent(case=case, sha256=h) for h in hashes], ignore_conflicts=True
        )
        case.priority = priority_of(case)
        case.save(update_fields=["priority", "updated_at"])
        audit.record(
            "case.opened" if opened else "case.report_added",
            actor="system:filing",
            target=f"case:{case.pk}",
            data={"report": report_id, "queue": case.queue.slug},
        )
    return case


def _case_for_content(report: Any, hashes: list[str]) -> Case | None:
    """The oldest case covering the same bytes (SHA-256) or near-duplicate pixels (PDQ)."""
    near = api.near_duplicate_media([m.pk for m in report.media.all()])
    near_reports = api.report_ids_of_media(near) if near else []
    return (
        Case.objects.filter(
            Q(contents__sha256__in=hashes) | Q(case_reports__report_id__in=near_reports)
        )
        .order_by("pk")
        .first()
    )


def unfiled_report_ids(older_than_minutes: int = 10) -> list[int]:
    """Ready reports that should have been filed by now (a lost task, a broker outage)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    filed = CaseReport.objects.values("report_id")
    return api.unfiled_ready_report_ids(cutoff, filed)


# What a platform may learn of a decision: only decisions that stand.
FINAL_STATUSES = {
    Case.Status.APPROVED,
    Case.Status.ESCALATING,
    Case.Status.ESCALATED,
    Case.Status.CLOSED,
}


def case_for_platform(report: Any) -> dict[str, Any]:
    """The case a report is in, its status, and the verdict once it is final (merged into
    what the intake API tells the platform about its report)."""
    case = Case.objects.filter(case_reports__report=report).only("id", "status", "verdict").first()
    if case is None:
        return {"case_id": None, "case_status": None, "verdict": None, "escalations": []}
    verdict = case.verdict if case.status in FINAL_STATUSES else None
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
        "escalations": escalations,
    }
