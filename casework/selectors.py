"""Reads of cases for pages and for the intake API; each page makes a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.db.models.expressions import RawSQL

from casework import roles
from casework.models import AuditEvent, Case, Decision, Queue
from reports.models import Media, Report

# What a platform may learn of a decision: only decisions that stand.
FINAL_STATUSES = {Case.Status.APPROVED, Case.Status.CLOSED}


def case_for_platform(report: Any) -> dict[str, Any]:
    """The case a report is in, its status, and the verdict once it is final."""
    case = Case.objects.filter(case_reports__report=report).only("id", "status", "verdict").first()
    if case is None:
        return {"case_id": None, "case_status": None, "verdict": None}
    verdict = case.verdict if case.status in FINAL_STATUSES else None
    return {"case_id": case.pk, "case_status": case.status, "verdict": verdict}


@dataclass
class QueueRow:
    queue: Queue
    open_count: int
    oldest: datetime | None
    breaches: int
    awaiting_approval: int
    may_claim: bool


COUNT_BOUND = 10_000
OPEN_IN_QUEUE = "c.queue_id = casework_queue.id AND c.status IN ('new', 'in_review')"
BOUNDED_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM casework_case c WHERE {where} "
    f"LIMIT {COUNT_BOUND + 1}) AS bounded"
)
# Constant SQL only: nothing here comes from a request.
QUEUE_OPEN_COUNT = BOUNDED_COUNT.format(where=OPEN_IN_QUEUE)
QUEUE_BREACHES = BOUNDED_COUNT.format(
    where=OPEN_IN_QUEUE + " AND c.deadline_at < statement_timestamp()"
)
QUEUE_AWAITING = BOUNDED_COUNT.format(
    where="c.queue_id = casework_queue.id AND c.status = 'awaiting_approval'"
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
    user_roles = {r for r in roles.ROLES if roles.has_role(user, r)}
    return [
        QueueRow(q, q.open_count, q.oldest, q.breaches, q.awaiting, bool(user_roles & set(q.roles)))
        for q in queues
    ]


def case_page(case_id: int) -> Case:
    """The case with its reports, media and decisions loaded (raises Case.DoesNotExist)."""
    reports = Report.objects.select_related("platform").prefetch_related(
        Prefetch("media", queryset=Media.objects.order_by("position"))
    )
    return (
        Case.objects.select_related("queue", "holder")
        .prefetch_related(
            Prefetch("case_reports__report", queryset=reports),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related(
                    "decided_by", "approved_by", "returned_by"
                ),
            ),
        )
        .get(pk=case_id)
    )


def case_reports(case: Case) -> list[Report]:
    return [link.report for link in case.case_reports.all()]


def timeline(case: Case, reports: list[Report]) -> list[AuditEvent]:
    """Everything the audit log holds about the case, its reports and its media, in order."""
    targets = [f"case:{case.pk}"]
    for report in reports:
        targets.append(f"report:{report.pk}")
        targets.extend(f"media:{m.pk}" for m in report.media.all())
    return list(AuditEvent.objects.filter(target__in=targets).order_by("id")[:500])


def other_cases_of_uploaders(case: Case, reports: list[Report]) -> list[Case]:
    """Other cases whose reports name one of this case's uploader accounts."""
    ids = {r.uploader.get("id") for r in reports if r.uploader.get("id")}
    if not ids:
        return []
    # Each account's newest reports by one equality lookup on the expression index (with an
    # IN list the planner walks every report backwards instead), then their cases: a
    # prolific account cannot make the page scan its whole history.
    recent: list[int] = []
    for uploader_id in sorted(ids)[:5]:
        recent += (
            Report.objects.filter(uploader__id=uploader_id)
            .order_by("-id")
            .values_list("id", flat=True)[:100]
        )
    return list(
        Case.objects.filter(case_reports__report__in=recent)
        .exclude(pk=case.pk)
        .distinct()
        .order_by("-pk")[:20]
    )


HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def search_cases(query: str) -> list[Case]:
    """Cases by case id, report external id, media SHA-256 or MD5, or uploader id."""
    query = query.strip()
    if not query:
        return []
    match = Q(case_reports__report__external_id=query) | Q(case_reports__report__uploader__id=query)
    if query.isdigit():
        match |= Q(pk=int(query))
    if HEX64.match(query):
        match |= Q(case_reports__report__media__sha256=query.lower())
    elif HEX32.match(query):
        match |= Q(case_reports__report__media__md5=query.lower())
    return list(Case.objects.filter(match).select_related("queue").distinct().order_by("-pk")[:100])


def may_see_previews(user: Any) -> bool:
    return roles.has_role(user, *roles.PREVIEW_ROLES)


def audit_events(*, actor: str = "", action: str = "", target: str = ""):
    """Audit events newest first; actor and target match exactly, action by prefix."""
    events = AuditEvent.objects.order_by("-pk")
    if actor:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action__startswith=action)
    if target:
        events = events.filter(target=target)
    return events
