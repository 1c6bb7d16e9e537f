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

from casework import audit, permissions
from casework.cases.priority import priority_and_reasons
from casework.cases.routing import csam_route, route
from casework.models import Case, CaseContent, CaseReport
from reports import api


def report_ids_of(case: Case) -> list[int]:
    return list(case.case_reports.values_list("report_id", flat=True))


FACT_FIELDS = [
    "priority",
    "priority_reasons",
    "source",
    "reason",
    "jurisdiction",
    "matched_lists",
    "matched",
    "has_video",
    "ai_marker",
]


def refresh_facts(case: Case) -> api.ReportFacts:
    """Recompute and save the case's priority, its reasons and the filterable facts of its
    reports (after a report joins or leaves it, or its media match a list)."""
    facts = api.report_facts(report_ids_of(case))
    case.priority, case.priority_reasons = priority_and_reasons(facts)
    case.source, case.reason, case.jurisdiction = facts.source, facts.reason, facts.jurisdiction
    case.matched_lists = [m.list for m in facts.matches]
    case.matched = bool(facts.matches)
    case.has_video, case.ai_marker = facts.has_video, facts.ai_marker
    case.save(update_fields=[*FACT_FIELDS, "updated_at"])
    return facts


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
            queue, why = route(report, api.report_facts([report_id]))
            case = Case.objects.create(
                queue=queue,
                deadline_at=timezone.now() + timedelta(hours=queue.deadline_hours),
                routing_reason=why,
            )
        CaseReport.objects.create(case=case, report_id=report_id)
        CaseContent.objects.bulk_create(
            [CaseContent(case=case, sha256=h) for h in hashes], ignore_conflicts=True
        )
        facts = refresh_facts(case)
        audit.record(
            "case.opened" if opened else "case.report_added",
            actor="system:filing",
            target=f"case:{case.pk}",
            data={"report": report_id, "queue": case.queue.slug},
        )
        if not opened:
            reroute_on_match(case, facts)
    return case


def refresh_case(case_id: int) -> Case:
    """Recompute one case's facts and re-route it if a CSAM list matches (for cases filed
    before the facts were kept; refresh_case_facts)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("queue").get(pk=case_id)
        return reroute_on_match(case, refresh_facts(case))


def reroute_after_match(report_id: int) -> Case | None:
    """Media of a filed report matched a list late (processed later, or a list grew): its
    case moves to the CSAM queue if it is still open and nobody holds it."""
    case_id = CaseReport.objects.filter(report_id=report_id).values_list("case_id", flat=True)
    found = case_id.first()
    if found is None:
        return None  # not filed yet: filing routes it with the match
    return refresh_case(found)


def reroute_on_match(case: Case, facts: api.ReportFacts) -> Case:
    """Move an open, unheld case to the CSAM queue when its media match a CSAM list
    (recorded); a held or decided case stays where its reviewer found it."""
    target = csam_route(facts)
    if target is None or target[0].pk == case.queue_id:
        return case
    if case.status not in Case.OPEN_STATUSES or permissions.is_held(case):
        return case
    queue, why = target
    previous = case.queue
    case.queue, case.routing_reason = queue, why
    due = case.created_at + timedelta(hours=queue.deadline_hours)
    case.deadline_at = min(case.deadline_at, due)
    case.save(update_fields=["queue", "routing_reason", "deadline_at", "updated_at"])
    audit.record(
        "case.rerouted",
        actor="system:filing",
        target=f"case:{case.pk}",
        data={"from": previous.slug, "to": queue.slug, "because": why},
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
