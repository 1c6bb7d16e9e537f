"""The frames of every vpdq entry of the enabled lists in one exact PDQ index, per worker.

A vPDQ frame is a PDQ hash, so the frames go into the PDQ index (reports.pdq_index): each
entry's prepared frames (quality filter, then dedupe: reports.vpdq_matching) are rows with
id entry id << FRAME_BITS | frame position. One query of a video's prepared frames finds every
list frame within the distance. From that query both shares come for every entry touched:
the distinct query frames matched, over the query's count, and the distinct entry frames
matched, over the entry's count. That is the reference VPDQIndex's computation, done
exactly, with no FAISS and no candidate filtering.

It keeps in step with the database the way reports.pdq_matcher does. It adds entries with
ids above the highest it holds, and it rebuilds when entries went away, when a list was
switched, or when the rule changed.

The same class indexes processed videos' own vPDQ (reports.vpdq_media_index), so that a
video matching a video already filed joins its case, as a near-duplicate image does.
A query also tells, per entry, the time range of the query's frames that matched (the
segment).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, QuerySet

from reports import list_switches, vpdq
from reports.models import HashEntry
from reports.pdq_index import PDQIndex, hex_to_bytes
from reports.vpdq_matching import Rule, VideoMatch, prepared, prepared_spans, share

FRAME_BITS = 20  # frames per entry: up to 2**20 (291 hours at one a second)


@dataclass
class _Loaded:
    index: PDQIndex
    frame_counts: dict[int, int]


def _entries() -> QuerySet:
    return HashEntry.objects.filter(list_switches.matched(HashEntry.Kind.VPDQ))


def _enabled_lists() -> tuple[int, ...]:
    return tuple(sorted(_entries().values_list("hash_list_id", flat=True).distinct()))


class VpdqIndex:
    """Rows of `rows()` (a queryset whose pk is the row id) with their frames in the field
    `field`, read by `parse`; rebuilt whenever `version()` changes."""

    def __init__(
        self,
        rows: Callable[[], QuerySet] = _entries,
        field: str = "frames",
        parse: Callable[[str], list[vpdq.Frame]] = vpdq.from_threatexchange,
        version: Callable[[], object] = _enabled_lists,
    ) -> None:
        self._source, self._field, self._parse, self._version = rows, field, parse, version
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._stamp: object = None
        self._top = 0
        self._count = 0

    def _rows(self, loaded: _Loaded, above_id: int, rule: Rule, rebuild: bool) -> None:
        hashes: list[str] = []
        ids: list[int] = []
        rows = self._source().filter(pk__gt=above_id).values_list("pk", self._field)
        for pk, frames in rows.iterator(chunk_size=2000):
            try:
                kept = prepared(self._parse(frames), rule.quality_min)
            except ValueError:
                kept = []  # checked on import; a row changed by hand matches nothing
            kept = kept[: 1 << FRAME_BITS]
            loaded.frame_counts[pk] = len(kept)
            hashes.extend(kept)
            ids.extend((pk << FRAME_BITS) | position for position in range(len(kept)))
        if not ids:
            return
        words, id_array = hex_to_bytes(hashes), np.asarray(ids, dtype=np.int64)
        if rebuild:
            loaded.index.build(words, id_array)  # one segment, not a chain of merges
        else:
            loaded.index.add(words, id_array)

    def sync(self, rule: Rule) -> _Loaded:
        """The index, brought up to date with the database."""
        with self._lock:
            summary = self._source().aggregate(n=Count("pk"), top=Max("pk"))
            n, top = summary["n"], summary["top"] or 0
            stamp = (rule, self._version())
            loaded = self._loaded
            stale = loaded is None or stamp != self._stamp or top < self._top or n < self._count
            if not stale and top > self._top:
                self._rows(loaded, self._top, rule, rebuild=False)
            if not stale and len(loaded.frame_counts) != n:
                stale = True  # some went and others came: start again
            if stale:
                loaded = _Loaded(PDQIndex(rule.frame_distance), {})
                self._rows(loaded, 0, rule, rebuild=True)
            self._loaded, self._stamp, self._top, self._count = loaded, stamp, top, n
            return loaded

    def query(self, frames: list[vpdq.Frame], rule: Rule) -> dict[int, VideoMatch]:
        """{entry id: the shares} for every entry that any of the video's frames touch
        (is_match tells which meet the rule), each with its segment."""
        loaded = self.sync(rule)
        hashes, starts, ends = prepared_spans(frames, rule.quality_min)
        return shares(loaded.index, loaded.frame_counts, hashes, rule, (starts, ends))


VpdqListIndex = VpdqIndex


def shares(
    index: PDQIndex,
    frame_counts: dict[int, int],
    query: list[str],
    rule: Rule,
    spans: tuple[list[float], list[float]] | None = None,
) -> dict[int, VideoMatch]:
    """The rule's shares for every entry of the index that the query's prepared frames
    touch. The rows are entry << FRAME_BITS | position, and frame_counts holds each entry's
    prepared frames. With spans (each query hash's first and last timestamp), each match
    has its segment: the first to the last moment of the query's frames that matched."""
    if not query or len(index) == 0:
        return {}
    rows, ids, distances = index.query(hex_to_bytes(query), rule.frame_distance)
    if ids.shape[0] == 0:
        return {}
    entries = ids >> FRAME_BITS
    touched, which = np.unique(entries, return_inverse=True)
    closest = np.full(touched.shape[0], 257, dtype=np.int64)
    np.minimum.at(closest, which, distances)
    # Distinct (entry, query frame) pairs, and distinct entry frames, counted per entry.
    query_hits = np.bincount(which[_first_of(entries * len(query) + rows)], minlength=len(touched))
    entry_hits = np.bincount(which[_first_of(ids)], minlength=len(touched))
    starts = ends = None
    if spans is not None:
        starts = np.full(touched.shape[0], np.inf)
        ends = np.full(touched.shape[0], -np.inf)
        np.minimum.at(starts, which, np.asarray(spans[0], dtype=np.float64)[rows])
        np.maximum.at(ends, which, np.asarray(spans[1], dtype=np.float64)[rows])
    found = {}
    for k, entry in enumerate(touched.tolist()):
        query_percent = share(int(query_hits[k]), len(query))
        compared = share(int(entry_hits[k]), frame_counts[entry])
        accepted = rule.accepts(query_percent, compared)
        segment = (float(starts[k]), float(ends[k])) if starts is not None else (None, None)
        found[entry] = VideoMatch(query_percent, compared, accepted, int(closest[k]), *segment)
    return found


def _first_of(values: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct value."""
    return np.unique(values, return_index=True)[1]


list_index = VpdqListIndex()
