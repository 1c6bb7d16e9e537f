"""The vPDQ matching rule (python-threatexchange's vpdq_brute_matcher and VPDQIndex).

Each video's frames are prepared the same way: frames of quality below VPDQ_QUALITY_MIN are
dropped, then frames with the same hash are kept once. A query frame matches when some frame
of the compared video lies within VPDQ_FRAME_DISTANCE (inclusive). The query matched share is
the fraction of the query's prepared frames that match, and the compared matched share is the
fraction of the compared video's frames that match some query frame. The videos match when the
query's share is at least VPDQ_QUERY_MATCH_PERCENT and the compared share is at least
VPDQ_COMPARED_MATCH_PERCENT.

The reference matcher applies dedupe before the quality filter, and its index applies the
quality filter first. The two orders differ only when one hash is stored with two qualities.
Here the quality filter comes first, as in the index, so a good frame is never lost behind
a poor copy of itself. A video left with no frames matches nothing (the reference divides
by zero there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from reports.pdq_index import hex_to_bytes
from reports.vpdq import Frame


@dataclass(frozen=True)
class Rule:
    quality_min: int = 50
    frame_distance: int = 31
    query_match_percent: float = 80.0
    compared_match_percent: float = 0.0

    @classmethod
    def from_settings(cls) -> Rule:
        return cls(
            settings.VPDQ_QUALITY_MIN,
            settings.VPDQ_FRAME_DISTANCE,
            settings.VPDQ_QUERY_MATCH_PERCENT,
            settings.VPDQ_COMPARED_MATCH_PERCENT,
        )

    def accepts(self, query_percent: float, compared_percent: float) -> bool:
        return (
            query_percent >= self.query_match_percent
            and compared_percent >= self.compared_match_percent
        )


@dataclass(frozen=True)
class VideoMatch:
    query_match_percent: float
    compared_match_percent: float
    is_match: bool
    closest: int | None = None  # the smallest distance between a frame and a frame
    # The query's matched frames from the first to the last (seconds), when it is known.
    segment_start: float | None = None
    segment_end: float | None = None


def prepared(frames: Iterable[Frame], quality_min: int) -> list[str]:
    """The distinct hashes of the frames of quality >= quality_min, in frame order."""
    return list(dict.fromkeys(f.pdq for f in frames if f.quality >= quality_min))


def prepared_spans(
    frames: Iterable[Frame], quality_min: int
) -> tuple[list[str], list[float], list[float]]:
    """prepared(), with each hash's first and last timestamp among the frames it stands for."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for f in frames:
        if f.quality >= quality_min:
            first.setdefault(f.pdq, f.timestamp)
            last[f.pdq] = max(f.timestamp, last.get(f.pdq, f.timestamp))
    hashes = list(first)
    return hashes, [first[h] for h in hashes], [last[h] for h in hashes]


def share(matched: int, total: int) -> float:
    return 100.0 * matched / total if total else 0.0


def compare(query: Iterable[Frame], compared: Iterable[Frame], rule: Rule) -> VideoMatch:
    """The rule applied to two videos' frames, by comparing every frame with every frame."""
    left, starts, ends = prepared_spans(query, rule.quality_min)
    right = prepared(compared, rule.quality_min)
    if not left or not right:
        return VideoMatch(0.0, 0.0, False)
    a, b = hex_to_bytes(left), hex_to_bytes(right)
    distances = np.unpackbits(a[:, None, :] ^ b[None, :, :], axis=2).sum(axis=2)
    close = distances <= rule.frame_distance
    matched = close.any(axis=1)
    query_percent = share(int(matched.sum()), len(left))
    compared_percent = share(int(close.any(axis=0).sum()), len(right))
    accepted = rule.accepts(query_percent, compared_percent)
    segment = (None, None)
    if matched.any():
        segment = (float(np.asarray(starts)[matched].min()), float(np.asarray(ends)[matched].max()))
    return VideoMatch(query_percent, compared_percent, accepted, int(distances.min()), *segment)
