"""Purging: the bytes and previews of evidence whose keeping has ended are deleted; the Media
row (hashes, sizes, dates) stays as the record that the file existed, the decisions stay as
the record of who decided, and every purge is audited.

Evidence is due only when all of these hold:
- its case is settled — closed, or escalated with every hotline report finished — and has
  been for EVIDENCE_KEEP_CLOSED_DAYS (an open, approved or escalating case is never purged);
- the file itself arrived that long ago (a late report joining a closed case gets its span);
- any preservation (a hotline report's year) has ended;
- no legal hold is on its case, and no outstanding escalation (pending, sending, submitted,
  needs attention) of any case carries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from casework import audit
from casework.escalation.models import OUTSTANDING_STATES, Escalation, EscalationFile
from casework.models import Case, CaseReport, CaseStatus, LegalHold
from casework.preservation.policy import ACTOR, keep_closed_span
from reports import api

BATCH_SIZE = 200
SETTLED_STATUSES = (CaseStatus.CLOSED, CaseStatus.ESCALATED)


def settled_cases(*, held_too: bool = False) -> models.QuerySet:
    """Cases whose evidence may become due: settled (with settled_at, when), no outstanding
    escalation, and no active legal hold (unless held_too)."""
    held = LegalHold.objects.filter(case=OuterRef("pk"), lifted_at__isnull=True)
    outstanding = Escalation.objects.filter(case=OuterRef("pk"), state__in=OUTSTANDING_STATES)
    last_finished = (
        Escalation.objects.filter(case=OuterRef("pk"), state=Escalation.State.FINISHED)
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    settled_at = models.Case(
        models.When(status=CaseStatus.CLOSED, then=models.F("closed_at")),
        models.When(status=CaseStatus.ESCALATED, then=Subquery(last_finished)),
        output_field=models.DateTimeField(),
    )
    rows = (
        Case.objects.filter(status__in=SETTLED_STATUSES)
        .annotate(settled_at=settled_at)
        .filter(settled_at__isnull=False)
        .exclude(Exists(outstanding))
    )
    return rows if held_too else rows.exclude(Exists(held))


def _carried_by_outstanding(media_ids: Iterable[int]) -> set[int]:
    keys = [f"media:{m}" for m in media_ids]
    rows = EscalationFile.objects.filter(
        key__in=keys, escalation__state__in=OUTSTANDING_STATES
    ).values_list("key", flat=True)
    return {int(key.split(":", 1)[1]) for key in rows}


def due_media(now: datetime) -> list[tuple[int, int]]:
    """The media whose keeping has ended by now, with their reports, in id order."""
    settled_before = now - keep_closed_span()
    cases = settled_cases().filter(settled_at__lte=settled_before).values("pk")
    report_ids = list(
        CaseReport.objects.filter(case_id__in=cases).values_list("report_id", flat=True)
    )
    due = api.media_due_for_purge(report_ids, now=now, created_before=settled_before)
    carried = _carried_by_outstanding(m for m, _ in due)
    return [(m, r) for m, r in due if m not in carried]


def purge_expired(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Purge every media item whose keeping has ended by now (the clock is a parameter so
    that tests can move it); returns how many were purged."""
    now = now or timezone.now()
    due = due_media(now)
    purged = 0
    for start in range(0, len(due), batch_size):
        purged += _purge_batch(due[start : start + batch_size], now)
    return purged


def _purge_batch(due: list[tuple[int, int]], now: datetime) -> int:
    """Check again with the cases locked (a hold placed meanwhile wins), mark purged and
    audit in one transaction, then delete the bytes."""
    with transaction.atomic():
        media_ids = [m for m, _ in due]
        case_of_media = _case_of_media(due)
        case_ids = sorted(set(case_of_media.values()))
        list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk").values("pk"))
        settled_before = now - keep_closed_span()
        still = dict(
            settled_cases()
            .filter(pk__in=case_ids, settled_at__lte=settled_before)
            .values_list("pk", "settled_at")
        )
        carried = _carried_by_outstanding(media_ids)
        wanted = [m for m in media_ids if case_of_media.get(m) in still and m not in carried]
        purged = api.mark_media_purged(wanted, now=now)
        audit.record_many(
            [
                _event(item, case_of_media[item.media_id], still[case_of_media[item.media_id]])
                for item in purged
            ]
        )
    api.delete_purged_bytes(purged)
    return len(purged)


def _case_of_media(due: list[tuple[int, int]]) -> dict[int, int]:
    report_of = dict(due)
    case_of_report = dict(
        CaseReport.objects.filter(report_id__in=set(report_of.values())).values_list(
            "report_id", "case_id"
        )
    )
    return {m: case_of_report[r] for m, r in report_of.items() if r in case_of_report}


def _event(item: api.PurgedMedia, case_id: int, settled_at: datetime) -> audit.PendingEvent:
    why = f"case {case_id} settled {settled_at:%Y-%m-%d}; kept {keep_closed_span().days} days"
    if item.preserved_until:
        why += f"; preserved until {item.preserved_until:%Y-%m-%d}"
    return audit.PendingEvent(
        action="evidence.purged",
        actor=ACTOR,
        target=f"media:{item.media_id}",
        data={
            "case": case_id,
            "report": item.report_id,
            "sha256": item.sha256,
            "md5": item.md5,
            "size": item.size,
            "received_at": item.created_at.isoformat(),
            "preserved_until": item.preserved_until.isoformat() if item.preserved_until else None,
            "why": why,
        },
    )
