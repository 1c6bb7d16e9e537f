"""Reads of cases for pages; each page makes a fixed number of queries. (What a person
looks at is recorded by casework.cases.viewing, which uses these.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.db.models.expressions import RawSQL

from casework import permissions
from casework.cases import case_list
from casework.models import OPEN_STATUSES, AuditEvent, Case, CaseReport, Decision, Queue
from reports import api


@dataclass
class QueueRow:
    queue: Queue
    open_count: int
    oldest: datetime | None
    breaches: int
    awaiting_approval: int
    may_claim: bool
    may_list: bool = False


COUNT_BOUND = 10_000
# Constant SQL only: the statuses are the model's own constants, nothing comes from a request.
OPEN_IN_QUEUE = "c.queue_id = casework_queue.id AND c.status IN ({})".format(
    ", ".join(f"'{status}'" for status in OPEN_STATUSES)
)
BOUNDED_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM casework_case c WHERE {where} "
    f"LIMIT {COUNT_BOUND + 1}) AS bounded"
)
QUEUE_OPEN_COUNT = BOUNDED_COUNT.format(where=OPEN_IN_QUEUE)
QUEUE_BREACHES = BOUNDED_COUNT.format(
    where=OPEN_IN_QUEUE + " AND c.deadline_at < statement_timestamp()"
)
QUEUE_AWAITING = BOUNDED_COUNT.format(
    where=f"c.queue_id = casework_queue.id AND c.status = '{Case.Status.AWAITING_APPROVAL}'"
)
QUEUE_OLDEST = (
    f"SELECT c.created_at FROM casework_case c WHERE {OPEN_IN_QUEUE} ORDER BY c.created_at LIMIT 1"
)


def queue_overview(user: Any) -> list[QueueRow]:
    """Each queue with its open count, oldest open case and deadline breaches (one query;
    counts stop at COUNT_BOUND + 1)."""
    # Bounded counts from partial indexes: a queue of a million cases shows "10,000+" at the
    # cost of 10,001 index entries, not a scan of every case.
    queues = Queue.objects.annotate(
        open_count=RawSQL(QUEUE_OPEN_COUNT, []),
        breaches=RawSQL(QUEUE_BREACHES, []),
        awaiting=RawSQL(QUEUE_AWAITING, []),
        oldest=RawSQL(QUEUE_OLDEST, []),
    ).order_by("position", "slug")
    return [
        QueueRow(
            q,
            q.open_count,
            q.oldest,
            q.breaches,
            q.awaiting,
            permissions.may_work_queue(user, q),
            case_list.may_see_list(user, q),
        )
        for q in queues
    ]


def case_page(case_id: int) -> tuple[Case, list[Any]]:
    """The case with its decisions, and its reports (in the order they arrived) with their
    media in order (raises Case.DoesNotExist)."""
    case = (
        Case.objects.select_related("queue", "holder")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related(
                    "decided_by", "approved_by", "returned_by"
                ),
            ),
        )
        .get(pk=case_id)
    )
    report_ids = CaseReport.objects.filter(case_id=case.pk).values("report_id")
    return case, api.reports_with_media_in(report_ids)


def timeline(case: Case, reports: list[Any]) -> list[AuditEvent]:
    """Everything the audit log holds about the case, its reports and its media, in order."""
    targets = [f"case:{case.pk}"]
    for report in reports:
        targets.append(f"report:{report.pk}")
        targets.extend(f"media:{m.pk}" for m in report.media.all())
    return list(AuditEvent.objects.filter(target__in=targets).order_by("id")[:500])


def other_cases_of_uploaders(case: Case, reports: list[Any]) -> list[Case]:
    """Other cases whose reports name one of this case's uploader accounts."""
    ids = {r.uploader.get("id") for r in reports if r.uploader.get("id")}
    if not ids:
        return []
    recent = api.recent_report_ids_of_uploaders(sorted(ids)[:5])
    return list(
        Case.objects.filter(case_reports__report_id__in=recent)
        .exclude(pk=case.pk)
        .distinct()
        .order_by("-pk")[:20]
    )


def search_cases(query: str) -> list[Case]:
    """Cases by case id, report external id, media SHA-256 or MD5, uploader id or email."""
    query = query.strip()
    if not query:
        return []
    match = Q(case_reports__report_id__in=api.report_ids_matching(query))
    if query.isdigit():
        match |= Q(pk=int(query))
    return list(Case.objects.filter(match).select_related("queue").distinct().order_by("-pk")[:100])
