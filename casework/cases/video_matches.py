"""A video's hash-list matches as the case page shows them: the list, both matched shares,
the matched segment ("00:12–00:47"), and which tiles of its keyframe grid fall in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tile:
    number: int  # the tile's place in the grid, left to right and top to bottom, from 1
    at: str
    in_segment: bool


@dataclass(frozen=True)
class VideoMatchShown:
    list: str
    category: str
    query_percent: str
    compared_percent: str
    segment: str
    tiles: list[Tile]


def clock(seconds: float) -> str:
    """Seconds as 00:12 (and 1:02:03 from an hour on)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes:02}:{secs:02}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def shown(matches: list[dict[str, Any]], keyframe_times: list[float]) -> list[VideoMatchShown]:
    """The matches of one video; a tile is in the segment when its time lies within the
    first and last matched frame's times (inclusive)."""
    result = []
    for match in matches:
        start, end = match.get("segment_start"), match.get("segment_end")
        has_segment = start is not None and end is not None
        tiles = [
            Tile(number, clock(at), has_segment and start <= at <= end)
            for number, at in enumerate(keyframe_times or [], start=1)
        ]
        result.append(
            VideoMatchShown(
                list=match["list"],
                category=match.get("category") or "",
                query_percent=percent(match.get("query_match_percent")),
                compared_percent=percent(match.get("compared_match_percent")),
                segment=f"{clock(start)}–{clock(end)}" if has_segment else "",
                tiles=tiles,
            )
        )
    return result
