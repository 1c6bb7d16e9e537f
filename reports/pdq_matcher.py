"""PDQ indexes held by each worker process, kept in step with the database.

Two are kept: one over the enabled hash lists' PDQ entries, one over processed media (to
find near-duplicate content). Before answering, an index reads a summary from the database:
rows with ids above the highest it holds are added in place; if rows went away (or, for
lists, a list or its PDQ switch was turned on or off, or an entry disabled) it is rebuilt.
So every process answers from the data as it is now, without a full rebuild for the common
case of additions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from django.db.models import Count, Max, QuerySet

from reports import list_switches
from reports.models import HashEntry, Media
from reports.pdq_index import PDQIndex, hex_to_bytes

PDQ_MIN_QUALITY = 50


class SyncedIndex:
    """A PDQIndex over rows (id, 64-hex value) of a queryset, synced on every query."""

    def __init__(self, rows: Callable[[], QuerySet], field: str, version: Callable[[], object]):
        self._rows, self._field, self._version = rows, field, version
        self._lock = threading.Lock()
        self._index: PDQIndex | None = None
        self._threshold: int | None = None
        self._stamp: object = None
        self._top = 0

    def _load(self, index: PDQIndex, above_id: int) -> None:
        rows = list(self._rows().filter(pk__gt=above_id).values_list("pk", self._field))
        if rows:
            ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
            index.add(hex_to_bytes([value for _, value in rows]), ids)

    def sync(self, threshold: int) -> PDQIndex:
        """The index, brought up to date with the database."""
        with self._lock:
            summary = self._rows().aggregate(n=Count("pk"), top=Max("pk"))
            n, top, stamp = summary["n"], summary["top"] or 0, self._version()
            index = self._index
            if (
                index is None
                or (self._threshold, self._stamp) != (threshold, stamp)
                or (top < self._top)
            ):
                index = PDQIndex(threshold)
                self._load(index, 0)
            elif top > self._top:
                self._load(index, self._top)
            if len(index) != n:  # rows were removed: start again from the database
                index = PDQIndex(threshold)
                self._load(index, 0)
            self._index, self._threshold, self._stamp, self._top = index, threshold, stamp, top
            return index

    def query(self, hex_hashes: list[str], threshold: int) -> dict[int, int]:
        """{row id: smallest distance} over the given hashes (an image's 8 orientations)."""
        index = self.sync(threshold)
        if len(index) == 0 or not hex_hashes:
            return {}
        return index.query(hex_to_bytes(hex_hashes)).best_per_id()


def _enabled_pdq_entries() -> QuerySet:
    return HashEntry.objects.filter(list_switches.matched(HashEntry.Kind.PDQ))


def _enabled_lists() -> tuple[int, ...]:
    return tuple(sorted(_enabled_pdq_entries().values_list("hash_list_id", flat=True).distinct()))


def _hashable_media() -> QuerySet:
    return Media.objects.filter(
        status=Media.Status.PROCESSED, pdq_quality__gte=PDQ_MIN_QUALITY
    ).exclude(pdq="")


hash_list_index = SyncedIndex(_enabled_pdq_entries, "value", _enabled_lists)
media_index = SyncedIndex(_hashable_media, "pdq", lambda: None)


def orientations(media: Media) -> list[str]:
    """The media item's PDQ hashes in all 8 orientations (just its own if not recorded)."""
    if not media.pdq or (media.pdq_quality or 0) < PDQ_MIN_QUALITY:
        return []
    return media.pdq_dihedral.split(",") if media.pdq_dihedral else [media.pdq]
