"""A video's matches against the lists: its vPDQ against the vpdq entries (the rule in
reports.vpdq_matching), and each sampled frame against the image lists' PDQ entries."""

from __future__ import annotations

from dataclasses import dataclass

from reports import list_switches, pdq_matcher, vpdq
from reports.models import Media, MediaVpdq
from reports.pdq_index import hex_to_bytes
from reports.vpdq_index import list_index
from reports.vpdq_matching import Rule


@dataclass(frozen=True)
class Found:
    distance: int
    query_match_percent: float | None = None
    compared_match_percent: float | None = None
    timestamp: float | None = None
    segment_start: float | None = None
    segment_end: float | None = None


def frames_of(media: Media) -> list[vpdq.Frame]:
    if media.kind != Media.Kind.VIDEO or not media.vpdq_frames:
        return []
    records = MediaVpdq.objects.filter(media=media).values_list("records", flat=True).first()
    return vpdq.from_records(records or "")


def video_matches(media: Media) -> dict[int, Found]:
    """Entry id -> what matched, for the vpdq entries the video matches by the rule and the
    pdq entries some frame of it is within its list's PDQ distance of."""
    frames = frames_of(media)
    if not frames:
        return {}
    found = {
        entry: Found(
            m.closest or 0,
            m.query_match_percent,
            m.compared_match_percent,
            segment_start=m.segment_start,
            segment_end=m.segment_end,
        )
        for entry, m in list_index.query(frames, Rule.from_settings()).items()
        if m.is_match
    }
    found.update(frames_against_images(frames))
    return found


def frames_against_images(frames: list[vpdq.Frame]) -> dict[int, Found]:
    """Pdq entry id -> the closest frame (its distance and timestamp; the earliest of equals)."""
    usable = {}
    for frame in frames:
        if frame.quality >= pdq_matcher.PDQ_MIN_QUALITY:
            usable.setdefault(frame.pdq, frame)
    if not usable:
        return {}
    threshold = list_switches.widest_pdq_distance()
    index = pdq_matcher.hash_list_index.sync(threshold)
    if len(index) == 0:
        return {}
    kept = list(usable.values())
    rows, ids, distances = index.query(hex_to_bytes([f.pdq for f in kept]), threshold)
    best: dict[int, Found] = {}
    for row, entry, distance in zip(rows.tolist(), ids.tolist(), distances.tolist(), strict=True):
        seen = best.get(entry)
        moment = kept[row].timestamp
        if seen is None or (distance, moment) < (seen.distance, seen.timestamp or 0.0):
            best[entry] = Found(int(distance), timestamp=moment)
    kept_entries = list_switches.within_list_distance({e: f.distance for e, f in best.items()})
    return {e: f for e, f in best.items() if e in kept_entries}
