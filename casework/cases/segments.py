"""The segment of a video that matters, as the reviewer marks it: `start-end` in seconds,
checked, stored with the item's labels in the decision and told to the hotline."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from casework.cases.errors import FieldRefused

MAX_SECONDS = 24 * 3600
SEGMENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*$")


def parse_segment(field: str, text: str) -> list[float] | None:
    """[start, end] from `start-end` (None if empty); FieldRefused naming the field if it is
    not two numbers of seconds with the start before the end."""
    if not text.strip():
        return None
    found = SEGMENT.match(text)
    if found is None:
        raise FieldRefused(field, "start-end in seconds, such as 12.5-20")
    start, end = (round(float(n), 1) for n in found.groups())
    if not (math.isfinite(end) and 0 <= start < end <= MAX_SECONDS):
        raise FieldRefused(field, f"a start before the end, within {MAX_SECONDS} seconds")
    return [start, end]


def read_segments(form: Mapping[str, str], media_ids: Iterable[int]) -> dict[str, list[float]]:
    """The marked segments of a decision form (`segment-<media id>`), by media id."""
    segments = {}
    for media_id in media_ids:
        segment = parse_segment(f"segment-{media_id}", form.get(f"segment-{media_id}", ""))
        if segment is not None:
            segments[str(media_id)] = segment
    return segments


def describe(segment: list[float] | None) -> str:
    """`12.5–20.0 s`, or "" for no segment."""
    if not segment:
        return ""
    return f"{segment[0]:.1f}–{segment[1]:.1f} s"


def hotline_note(segment: list[float] | None) -> str:
    """The file's note to the hotline naming the segment, or ""."""
    if not segment:
        return ""
    return (
        f"The reviewer marked the segment that matters: {segment[0]:.1f} s to "
        f"{segment[1]:.1f} s of the video."
    )
