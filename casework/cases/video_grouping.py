"""Videos about the same content share a case, as near-duplicate images do: a report whose
video matches a video already filed (or one of its own batch) by vPDQ joins that case
(the rule and which share is required of which video: reports.vpdq_media_index). The case's
routing reason then names the grouping, e.g. "joined case 12: video matches media 40 at
92 % / 88 %" (the new video's matched share, then the filed one's)."""

from __future__ import annotations

from casework.models import Case
from reports import api

JOINED = "joined case "


def add_video_links(near: dict[int, set[int]], links: dict[int, list[api.VideoLink]]) -> None:
    """The reports each report's videos match, added to its near-duplicate reports."""
    for report_id, found in links.items():
        near.setdefault(report_id, set()).update(link.other_report_id for link in found)


def grouping_reasons(
    groups: list[list[int]],
    case_of: dict[int, Case],
    links: dict[int, list[api.VideoLink]],
    joined_existing: set[int],
) -> dict[int, str]:
    """Per report that joined its case by a video match, why: the case and its best match
    with a report filed before it (in an earlier batch, or earlier in its group). A group's
    first report opens its case unless the group joined an existing one (joined_existing
    holds those groups' first ids)."""
    reasons: dict[int, str] = {}
    for group in groups:
        members, joined = set(group), group[0] in joined_existing
        for position, report_id in enumerate(group):
            earlier = set(group[:position])
            candidates = [
                link
                for link in links.get(report_id, ())
                if link.other_report_id in earlier
                or (joined and link.other_report_id not in members)
            ]
            if candidates:
                case = case_of[report_id]
                reasons[report_id] = f"{JOINED}{case.pk}: {candidates[0].describe()}"
    return reasons


def note_reasons(case_of: dict[int, Case], reasons: dict[int, str]) -> None:
    """Each case's routing reason keeps its route and names the latest video grouping."""
    latest: dict[int, tuple[Case, str]] = {}
    for report_id in sorted(reasons):
        case = case_of[report_id]
        latest[case.pk] = (case, reasons[report_id])
    for case, reason in latest.values():
        route_reason = "" if case.routing_reason.startswith(JOINED) else case.routing_reason
        route_reason = route_reason.split(f"; {JOINED}")[0]
        case.routing_reason = (f"{route_reason}; {reason}" if route_reason else reason)[:300]
    Case.objects.bulk_update([case for case, _ in latest.values()], ["routing_reason"])
