"""Filing reports into cases: reports about the same content (the same media SHA-256, or
near-duplicate pixels by PDQ in any orientation) share one case, so a reviewer sees a piece
of content once, not once per report. Two near-duplicates (not identical) filed in the
same instant can still open two cases; a lead merges them."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit
from casework.models import Case, CaseContent, CaseReport, Queue
from reports import selectors as report_selectors
from reports.models import Report

DEFAULT_QUEUES = [
    # slug, name, reasons, deadline hours, position
    ("csam", "CSAM", ["csam"], 24, 10),
    ("csam-ai", "AI-generated CSAM", ["csam_ai_generated"], 24, 20),
    ("other", "Other", [], 72, 90),
]
REVIEW_ROLES = ["reviewer", "escalation_lead"]


def ensure_default_queues(queue_model: type[Queue] = Queue) -> None:
    """Create the default queues when there are none, so every report has somewhere to go."""
    if queue_model.objects.exists():
        return
    for slug, name, reasons, hours, position in DEFAULT_QUEUES:
        queue_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "reasons": reasons,
                "roles": REVIEW_ROLES,
                "deadline_hours": hours,
                "position": position,
            },
        )


def route(report: Report) -> Queue:
    """The first queue (by position) that takes this report; the last queue takes the rest."""
    ensure_default_queues()
    queues = list(Queue.objects.all())
    for queue in queues:
        if (
            (not queue.reasons or report.reason in queue.reasons)
            and (not queue.sources or report.source in queue.sources)
            and (not queue.jurisdictions or report.jurisdiction in queue.jurisdictions)
        ):
            return queue
    return queues[-1]


def priority_of(case: Case) -> int:
    """Higher is reviewed sooner: a child in imminent danger first, then a hash-list match,
    then classifier confidence, then how many reports the content drew. Age breaks ties at
    claim time."""
    reports = Report.objects.filter(case_link__case=case)
    danger = reports.filter(child_in_imminent_danger=True).exists()
    scores = [r.get("score") or 0 for r in reports.values_list("classifier", flat=True) if r]
    count = reports.count()
    matched = bool(report_selectors.best_matches(list(reports.values_list("pk", flat=True))))
    return (
        10_000 * danger + 5_000 * matched + int(100 * max(scores, default=0)) * 10 + min(count, 100)
    )


def file_report(report_id: int) -> Case:
    """Put a processed report into the case covering its content, or open a new case."""
    with transaction.atomic():
        existing = CaseReport.objects.filter(report_id=report_id).select_related("case").first()
        if existing:
            return existing.case
        report = report_selectors.report_with_media(report_id)
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


def _case_for_content(report: Report, hashes: list[str]) -> Case | None:
    """The oldest case covering the same bytes (SHA-256) or near-duplicate pixels (PDQ)."""
    near = report_selectors.near_duplicate_media([m.pk for m in report.media.all()])
    near_reports = report_selectors.report_ids_of_media(near) if near else []
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
    return report_selectors.unfiled_ready_report_ids(cutoff, filed)
