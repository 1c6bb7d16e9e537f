"""Reads of reports and media for the intake API: what a platform may see of its reports.
(What other apps read goes through reports.api.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.models import Media, Platform, Report

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
        "matches": [
            {
                "list": m.entry.hash_list.name,
                "kind": m.entry.kind,
                "distance": m.distance,
                "category": m.entry.category or None,
            }
            for m in media.matches.all()
        ],
    }


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
