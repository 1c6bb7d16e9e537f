"""Why each piece of evidence is still here and until when: the case page's preservation
panel and `manage.py preservation_report` read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from casework.models import Case, CaseReport, LegalHold
from casework.preservation import purge
from casework.preservation.holds import active_holds
from casework.preservation.policy import keep_closed_span, kept_until
from reports import api

STATE_LABELS = {
    "purged": "Purged",
    "held": "Legal hold",
    "preserved": "Preserved",
    "open": "Kept while open",
    "kept": "Kept, then purged",
}


@dataclass(frozen=True)
class MediaKeeping:
    """One media item: its state (purged, held, preserved, open, kept), until when, why."""

    media_id: int
    state: str
    until: datetime | None
    why: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class CaseKeeping:
    holds: list[LegalHold]
    lifted: list[LegalHold]
    settled_at: datetime | None
    media: list[MediaKeeping]


def case_keeping(case: Case, media: list[Any], now: datetime | None = None) -> CaseKeeping:
    """The preservation panel of a case page: its holds and each media item's keeping."""
    now = now or timezone.now()
    holds = list(case.legal_holds.select_related("placed_by", "lifted_by"))
    active = [h for h in holds if h.active]
    settled = purge.settled_cases(held_too=True).filter(pk=case.pk)
    settled_at = settled.values_list("settled_at", flat=True).first()
    return CaseKeeping(
        holds=active,
        lifted=[h for h in holds if not h.active],
        settled_at=settled_at,
        media=[_media_keeping(m, bool(active), settled_at, now) for m in media],
    )


def _media_keeping(
    media: Any, held: bool, settled_at: datetime | None, now: datetime
) -> MediaKeeping:
    if media.purged_at:
        why = "Bytes and previews deleted; hashes, sizes and dates stay on record."
        return MediaKeeping(media.pk, "purged", media.purged_at, why)
    preserved = media.preserved_until
    if held:
        why = "A legal hold is on the case: kept until it is lifted."
        if preserved and preserved > now:
            why += f" Preserved at least until {preserved:%Y-%m-%d}: {media.preserved_reason}"
        return MediaKeeping(media.pk, "held", None, why)
    if preserved and preserved > now:
        return MediaKeeping(media.pk, "preserved", preserved, media.preserved_reason)
    if settled_at is None:
        why = "Kept while the case is open or a hotline report is outstanding."
        return MediaKeeping(media.pk, "open", None, why)
    until = max(kept_until(settled_at), kept_until(media.created_at), preserved or settled_at)
    why = f"Settled {settled_at:%Y-%m-%d}; kept {keep_closed_span().days} days, then purged."
    return MediaKeeping(media.pk, "kept", until, why)


def report_rows(now: datetime | None = None) -> list[dict[str, Any]]:
    """What is held or preserved now, until when and why: one row per active legal hold (per
    case) and per preserved media item."""
    now = now or timezone.now()
    rows: list[dict[str, Any]] = [
        {
            "kind": "legal_hold",
            "case": hold.case_id,
            "media": None,
            "until": None,
            "since": hold.placed_at,
            "by": hold.placed_by.get_username(),
            "why": hold.reason,
        }
        for hold in active_holds().select_related("placed_by").order_by("placed_at", "pk")
    ]
    preserved = api.preserved_media(now)
    case_of_report = dict(
        CaseReport.objects.filter(report_id__in={p["report_id"] for p in preserved}).values_list(
            "report_id", "case_id"
        )
    )
    rows += [
        {
            "kind": "preserved",
            "case": case_of_report.get(p["report_id"]),
            "media": p["id"],
            "until": p["preserved_until"],
            "since": None,
            "by": "",
            "why": p["preserved_reason"],
        }
        for p in preserved
    ]
    return rows
