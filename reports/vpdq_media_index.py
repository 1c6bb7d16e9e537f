"""Videos about the same content, by vPDQ: the processed videos' own frames in one exact
index (reports.vpdq_index), as reports.pdq_matcher.media_index holds images' PDQ.

A new video (the query) matches a filed one (the compared) by the rule the lists use
(reports.vpdq_matching, the VPDQ_* settings): the new video's matched share must reach
VPDQ_QUERY_MATCH_PERCENT and the filed video's VPDQ_COMPARED_MATCH_PERCENT. Each video of a
filing batch is a query in turn, so two videos of one batch meet when either direction
passes (the filer joins them whichever asked).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from reports import vpdq
from reports.models import Media, MediaVpdq
from reports.vpdq_index import VpdqIndex
from reports.vpdq_matching import Rule, VideoMatch


@dataclass(frozen=True)
class VideoLink:
    """A video of a report matched another report's video: both media and both shares."""

    media_id: int
    other_media_id: int
    other_report_id: int
    query_match_percent: float
    compared_match_percent: float

    def describe(self) -> str:
        return (
            f"video matches media {self.other_media_id} at "
            f"{self.query_match_percent:.0f} % / {self.compared_match_percent:.0f} %"
        )


def _processed_videos() -> QuerySet:
    return MediaVpdq.objects.filter(media__status=Media.Status.PROCESSED)


media_index = VpdqIndex(_processed_videos, "records", vpdq.from_records, lambda: None)


def matching_videos(report_ids: list[int]) -> dict[int, list[VideoLink]]:
    """For each report, its videos' matches with other reports' processed videos, the
    best first (by the query's share, then the compared share)."""
    rule = Rule.from_settings()
    rows = _processed_videos().filter(media__report_id__in=report_ids)
    found: list[tuple[int, int, int, VideoMatch]] = []
    for media_id, report_id, records in rows.values_list("media_id", "media__report_id", "records"):
        for other, match in media_index.query(vpdq.from_records(records), rule).items():
            if other != media_id and match.is_match:
                found.append((report_id, media_id, other, match))
    report_of = dict(
        Media.objects.filter(pk__in={f[2] for f in found}).values_list("pk", "report_id")
    )
    links: dict[int, list[VideoLink]] = defaultdict(list)
    for report_id, media_id, other, match in found:
        if report_of.get(other, report_id) != report_id:
            links[report_id].append(
                VideoLink(
                    media_id,
                    other,
                    report_of[other],
                    match.query_match_percent,
                    match.compared_match_percent,
                )
            )
    for found_links in links.values():
        found_links.sort(key=lambda link: (-link.query_match_percent, -link.compared_match_percent))
    return dict(links)
