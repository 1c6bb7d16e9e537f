"""The batch filer: ready reports are taken from the database a few hundred at a time and
filed into cases with a handful of queries per batch, not per report.

Intake only commits the report; the filer claims ready, unfiled reports with FOR UPDATE
SKIP LOCKED, groups them (the same media SHA-256, near-duplicate pixels by PDQ in any
orientation, or videos matching by vPDQ: video_grouping.py; whether the other report is in
this batch or already in a case), and in one transaction opens the new cases, links the
reports, records the audit events and marks the reports filed. A filer that dies mid-batch
rolls the whole batch back, so the next one files every report exactly once. One filer files
at a time (an advisory lock), so near-duplicates in two batches still meet in one case: the
second batch sees the first's case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from casework import audit
from casework.bulk_rows import insert_rows
from casework.cases.case_facts import FACT_FIELDS, reroute_on_match, set_facts
from casework.cases.routing import all_queues, csam_route, route
from casework.cases.video_grouping import add_video_links, grouping_reasons, note_reasons
from casework.models import Case, CaseContent, CaseReport, Queue
from reports import api

BATCH_SIZE = 500
# One filer runs (RUNNING); at most one more waits to run after it (NEXT). A filer woken
# while another waits leaves the work to that one, which has not looked yet.
RUNNING_LOCK = 0x43574649  # "CWFI"
NEXT_LOCK = 0x4357464E  # "CWFN"


def file_waiting_reports(*, batch_size: int = BATCH_SIZE) -> int:
    """File batches until none is left; returns how many reports were filed (0 at once when
    another filer is already waiting to run)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [NEXT_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        try:
            cursor.execute("SELECT pg_advisory_lock(%s)", [RUNNING_LOCK])
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [NEXT_LOCK])
        try:
            filed = 0
            while done := len(_file_batch_locked(batch_size)):
                filed += done
            return filed
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUNNING_LOCK])


def file_batch(limit: int = BATCH_SIZE, only: list[int] | None = None) -> dict[int, Case]:
    """File up to limit waiting reports (of only, if given) as soon as no other filer runs;
    returns each one's case."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUNNING_LOCK])
        return _file_batch_locked(limit, only)


def _file_batch_locked(limit: int, only: list[int] | None = None) -> dict[int, Case]:
    with transaction.atomic():
        report_ids = api.claim_reports_to_file(limit, only)
        return _file(report_ids) if report_ids else {}


def _file(report_ids: list[int]) -> dict[int, Case]:
    hashes = api.content_hashes(report_ids)
    near = api.near_duplicate_reports(report_ids)
    videos = api.matching_videos(report_ids)
    add_video_links(near, videos)
    groups = _groups(report_ids, hashes, near)
    existing = _existing_cases(groups, hashes, near)
    queues = all_queues()
    new_groups = [g for g in groups if g[0] not in existing]
    opened = _open_cases(new_groups, queues)
    case_of_group = {**existing, **{g[0]: c for g, c in zip(new_groups, opened, strict=True)}}
    case_of = {r: case_of_group[g[0]] for g in groups for r in g}
    insert_rows([CaseReport(case=case_of[r], report_id=r) for r in report_ids])
    insert_rows(
        [CaseContent(case=case_of[r], sha256=h) for r in report_ids for h in hashes.get(r, ())],
        ignore_conflicts=True,
    )
    joined = {c.pk: c for c in existing.values()}
    _refresh_joined(list(joined.values()))
    reasons = grouping_reasons(groups, case_of, videos, set(existing))
    note_reasons(case_of, reasons)
    api.mark_filed(report_ids)
    events = []
    for group, case in zip(new_groups, opened, strict=True):
        events.append(_event("case.opened", case, group[0]))
        events += [_event("case.report_added", case, r, reasons.get(r)) for r in group[1:]]
    for group in groups:
        if group[0] in existing:
            events += [_event("case.report_added", case_of[r], r, reasons.get(r)) for r in group]
    audit.record_many(events)
    return case_of


def _groups(
    report_ids: list[int], hashes: dict[int, set[str]], near: dict[int, set[int]]
) -> list[list[int]]:
    """The batch's reports in groups of the same content, each group in id order."""
    parent = {r: r for r in report_ids}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_with: dict[str, int] = {}
    for r in report_ids:
        for h in hashes.get(r, ()):
            join(r, first_with.setdefault(h, r))
        for other in near.get(r, ()):
            if other in parent:
                join(r, other)
    grouped: dict[int, list[int]] = {}
    for r in sorted(report_ids):
        grouped.setdefault(root(r), []).append(r)
    return list(grouped.values())


def _existing_cases(
    groups: list[list[int]], hashes: dict[int, set[str]], near: dict[int, set[int]]
) -> dict[int, Case]:
    """The oldest case already covering each group's content, by the group's first id."""
    all_hashes = {h for found in hashes.values() for h in found}
    outside = {o for found in near.values() for o in found} - {r for g in groups for r in g}
    case_of_hash = _oldest(
        CaseContent.objects.filter(sha256__in=all_hashes).values_list("sha256", "case_id")
    )
    case_of_report = dict(
        CaseReport.objects.filter(report_id__in=outside).values_list("report_id", "case_id")
    )
    wanted: dict[int, int] = {}
    for group in groups:
        candidates = [
            case_of_hash[h] for r in group for h in hashes.get(r, ()) if h in case_of_hash
        ]
        candidates += [
            case_of_report[o] for r in group for o in near.get(r, ()) if o in case_of_report
        ]
        if candidates:
            wanted[group[0]] = min(candidates)
    cases = Case.objects.select_related("queue").in_bulk(set(wanted.values()))
    return {first: cases[case_id] for first, case_id in wanted.items()}


def _oldest(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    oldest: dict[str, int] = {}
    for key, case_id in pairs:
        oldest[key] = min(case_id, oldest.get(key, case_id))
    return oldest


def _open_cases(groups: list[list[int]], queues: list[Queue]) -> list[Case]:
    now = timezone.now()
    cases = []
    for facts in api.facts_of_groups(groups):
        queue, why = route(facts, facts, queues)
        case = Case(
            queue=queue,
            deadline_at=now + timedelta(hours=queue.deadline_hours),
            routing_reason=why,
        )
        set_facts(case, facts)
        cases.append(case)
    return insert_rows(cases)


def _refresh_joined(cases: list[Case]) -> None:
    """Cases that gained reports: their facts again, and the CSAM queue if a list matched."""
    if not cases:
        return
    members: dict[int, list[int]] = {c.pk: [] for c in cases}
    for case_id, report_id in CaseReport.objects.filter(case__in=cases).values_list(
        "case_id", "report_id"
    ):
        members[case_id].append(report_id)
    all_facts = api.facts_of_groups([members[c.pk] for c in cases])
    for case, facts in zip(cases, all_facts, strict=True):
        set_facts(case, facts)
    Case.objects.bulk_update(cases, [*FACT_FIELDS, "updated_at"])
    for case, facts in zip(cases, all_facts, strict=True):
        target = csam_route(facts)
        if target is not None and target[0].pk != case.queue_id:
            reroute_on_match(case, facts)


def _event(
    action: str, case: Case, report_id: int, because: str | None = None
) -> audit.PendingEvent:
    data = {"report": report_id, "queue": case.queue.slug}
    if because:
        data["because"] = because
    return audit.PendingEvent(action, actor="system:filing", target=f"case:{case.pk}", data=data)
