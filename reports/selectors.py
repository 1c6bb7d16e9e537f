"""Reads of reports and media, for the API and for the casework app."""

from __future__ import annotations

from typing import Any

from reports.models import Media, Platform, Report


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
    }


def report_status(report: Report) -> dict[str, Any]:
    """What the sending platform may see of its report."""
    return {
        "id": report.pk,
        "status": report.status,
        "source": report.source,
        "external_id": report.external_id,
        "received_at": report.received_at,
        "media": [media_status(m) for m in sorted(report.media.all(), key=lambda m: m.position)],
    }


def preview_bytes(media_id: int) -> bytes | None:
    """The blurred preview of a media item, or None if there is none (yet)."""
    from reports import vault

    name = Media.objects.filter(pk=media_id).values_list("preview_vault_name", flat=True).first()
    if not name:
        return None
    return vault.load(name)
