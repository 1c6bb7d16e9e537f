"""Reads of reports and media for the intake API: what a platform may see of its reports.
(What other apps read goes through reports.api.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.models import HashEntry, Media, MediaMatch, Platform, Report

# Other apps add what they know of a report to what its platform sees (the casework app adds
# the case and its verdict), without the reports app knowing of them.
_status_extensions: list[Callable[[Report], dict[str, Any]]] = []


def add_status_extension(extension: Callable[[Report], dict[str, Any]]) -> None:
    """Register a function whose result is merged into report_status()."""
    if extension not in _status_extensions:
        _status_extensions.append(extension)


def report_for_platform(report_id: int, platform: Platform) -> Report | None:
    """The report if this platform sent it, with its media loaded."""
    return Report.objects.filter(pk=report_id, platform=platform).prefetch_related("media").first()


def media_status(media: Media) -> dict[str, Any]:
    done = media.status == Media.Status.PROCESSED
    return {
        "id": media.pk,
        "filename": media.filename,
        "status": media.status,
        "sha256": media.sha256 or None,
        "md5": media.md5 or None,
        "pdq": media.pdq or None,
        "pdq_quality": media.pdq_quality if done else None,
        "content_type": media.content_type,
        "width": media.width,
        "height": media.height,
        "size": media.size,
        "preview_ready": media.preview_ready,
        "error": media.error or None,
        "matches": [match_status(m) for m in media.matches.select_related("entry__hash_list")],
        **({"vpdq_frames": media.vpdq_frames} if media.kind == Media.Kind.VIDEO else {}),
    }


def match_status(match: MediaMatch) -> dict[str, Any]:
    """A list match as the platform sees it: a video's vPDQ match by its two shares of
    matched frames, a video frame's match against an image by its distance and time."""
    shown: dict[str, Any] = {"list": match.entry.hash_list.name, "kind": match.entry.kind}
    if match.entry.kind == HashEntry.Kind.VPDQ:
        shown["query_match_percent"] = match.query_match_percent
        shown["compared_match_percent"] = match.compared_match_percent
        shown["segment_start"] = match.segment_start
        shown["segment_end"] = match.segment_end
    else:
        shown["distance"] = match.distance
    shown["category"] = match.entry.category or None
    if match.timestamp is not None:
        shown["timestamp"] = match.timestamp
    return shown


def report_status(report: Report) -> dict[str, Any]:
    """What the sending platform may see of its report."""
    status = {
        "id": report.pk,
        "status": report.status,
        "source": report.source,
        "external_id": report.external_id,
        "received_at": report.received_at,
        "media": [media_status(m) for m in sorted(report.media.all(), key=lambda m: m.position)],
    }
    for extension in _status_extensions:
        status.update(extension(report))
    return status
