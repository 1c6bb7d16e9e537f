"""Hash-list hygiene: entries that misbehave are quarantined until a lead looks at them.

An entry is quarantined when it suddenly matches far more media than usual (FLOOD_MATCHES
within FLOOD_WINDOW_MINUTES: a very generic image, a bad import) or when reviewers decided
"not CSAM" NOT_CSAM_FLAG_COUNT times on cases whose media a third-party list entry matched.
A quarantined entry's matches are still recorded and shown, but weigh on nothing: no
priority, no routing to the CSAM queue, no suggested category. A lead confirms the entry
(it counts again, and floods no longer quarantine it: the lead vouched for it) or disables
it (it matches nothing, and its recorded matches go as a rescan would remove them).

The flood check runs as matches are recorded, not on a schedule: the match that makes the
flood must already weigh on nothing, and a periodic task would let a flood raise priority
and fill the CSAM queue until its next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from reports.models import HashEntry, HashList, MediaMatch
from reports.signals import hash_entries_quarantined

NOT_CSAM_REASON = "repeatedly decided not CSAM"
# The states whose matches count (raise priority, route, suggest a category).
COUNTED_STATES = (HashEntry.State.ACTIVE, HashEntry.State.CONFIRMED)


class EntryNotInReview(Exception):
    """The entry is not quarantined (already reviewed, or never flagged)."""


def counted(prefix: str = "") -> Q:
    """The matches (or entries, prefix "") whose entry counts: not quarantined or disabled."""
    return Q(**{f"{prefix}state__in": COUNTED_STATES})


def flood_reason() -> str:
    return f"flood: {settings.FLOOD_MATCHES} matches within {settings.FLOOD_WINDOW_MINUTES} min"


def quarantine_floods(entry_ids: Iterable[int]) -> list[int]:
    """Quarantine the active entries among these that matched FLOOD_MATCHES media or more,
    received and matched within the window (one grouped count); returns their ids."""
    ids = list(entry_ids)
    if not ids:
        return []
    since = timezone.now() - timedelta(minutes=settings.FLOOD_WINDOW_MINUTES)
    # Media that arrived within the window: a rescan after a list import finds old media
    # again at once, and that is no flood.
    flooded = (
        MediaMatch.objects.filter(
            entry_id__in=ids,
            entry__state=HashEntry.State.ACTIVE,
            found_at__gte=since,
            media__created_at__gte=since,
        )
        .values("entry_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.FLOOD_MATCHES)
        .values_list("entry_id", flat=True)
    )
    return _quarantine(list(flooded), flood_reason(), (HashEntry.State.ACTIVE,))


def note_not_csam(media_ids: Iterable[int]) -> list[int]:
    """A case with these media was decided not CSAM: each third-party entry (a list of
    purpose match, not this platform's confirmed list) they matched counts one more, and
    those at NOT_CSAM_FLAG_COUNT are quarantined; returns their ids."""
    entries = HashEntry.objects.filter(
        matches__media_id__in=list(media_ids),
        hash_list__purpose=HashList.Purpose.MATCH,
        state__in=COUNTED_STATES,
    )
    ids = list(entries.values_list("pk", flat=True).distinct())
    if not ids:
        return []
    HashEntry.objects.filter(pk__in=ids).update(not_csam_count=F("not_csam_count") + 1)
    flagged = HashEntry.objects.filter(
        pk__in=ids, not_csam_count__gte=settings.NOT_CSAM_FLAG_COUNT
    ).values_list("pk", flat=True)
    return _quarantine(list(flagged), NOT_CSAM_REASON, COUNTED_STATES)


def _quarantine(ids: list[int], reason: str, from_states: tuple[str, ...]) -> list[int]:
    if not ids:
        return []
    with transaction.atomic():
        rows = HashEntry.objects.select_for_update().filter(pk__in=ids, state__in=from_states)
        chosen = list(rows.values_list("pk", flat=True))
        HashEntry.objects.filter(pk__in=chosen).update(
            state=HashEntry.State.QUARANTINED,
            quarantined_at=timezone.now(),
            quarantine_reason=reason,
        )
        if chosen:
            hash_entries_quarantined.send(sender=HashEntry, entry_ids=chosen, reason=reason)
    return chosen


@dataclass(frozen=True)
class EntryInReview:
    id: int
    list: str
    kind: str
    value: str
    category: str
    reason: str
    quarantined_at: datetime | None
    matches: int
    recent_matches: int
    not_csam: int


def entries_in_review(limit: int = 200) -> list[EntryInReview]:
    """The quarantined entries, longest waiting first, with how many media they matched
    (ever, and within the flood window) and their not-CSAM verdicts."""
    since = timezone.now() - timedelta(minutes=settings.FLOOD_WINDOW_MINUTES)
    rows = (
        HashEntry.objects.filter(state=HashEntry.State.QUARANTINED)
        .select_related("hash_list")
        .annotate(
            total=Count("matches"),
            recent=Count("matches", filter=Q(matches__found_at__gte=since)),
        )
        .order_by("quarantined_at", "pk")[:limit]
    )
    return [
        EntryInReview(
            id=e.pk,
            list=e.hash_list.name,
            kind=e.kind,
            value=e.value,
            category=e.category or e.hash_list.default_category,
            reason=e.quarantine_reason,
            quarantined_at=e.quarantined_at,
            matches=e.total,
            recent_matches=e.recent,
            not_csam=e.not_csam_count,
        )
        for e in rows
    ]


@dataclass(frozen=True)
class Reviewed:
    """A lead's review: the entry as it was, and the reports whose facts may change."""

    entry_id: int
    list: str
    kind: str
    value: str
    reason: str
    report_ids: list[int]


def review_entry(entry_id: int, *, confirm: bool, by: str) -> Reviewed:
    """A lead confirms (it counts again) or disables (it matches nothing) a quarantined
    entry; HashEntry.DoesNotExist or EntryNotInReview. A disabled entry's recorded matches
    are removed, as the next rescan would remove them."""
    with transaction.atomic():
        entry = HashEntry.objects.select_for_update().select_related("hash_list").get(pk=entry_id)
        if entry.state != HashEntry.State.QUARANTINED:
            raise EntryNotInReview(f"entry {entry_id} is {entry.state}, not in review")
        matches = MediaMatch.objects.filter(entry=entry)
        report_ids = list(matches.values_list("media__report_id", flat=True).distinct())
        entry.state = HashEntry.State.CONFIRMED if confirm else HashEntry.State.DISABLED
        entry.reviewed_by, entry.reviewed_at = by[:150], timezone.now()
        entry.not_csam_count = 0
        entry.save(update_fields=["state", "reviewed_by", "reviewed_at", "not_csam_count"])
        if not confirm:
            matches.delete()
    return Reviewed(
        entry.pk, entry.hash_list.name, entry.kind, entry.value, entry.quarantine_reason, report_ids
    )
