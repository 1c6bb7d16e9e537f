"""Reads of reports and media, for the API and for the casework app."""

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


def preview_bytes(media_id: int) -> bytes | None:
    """The blurred preview of a media item, or None if there is none (yet)."""
    from reports import vault

    name = Media.objects.filter(pk=media_id).values_list("preview_vault_name", flat=True).first()
    if not name:
        return None
    return vault.load(name)


def report_with_media(report_id: int) -> Report:
    """A report and its media, for filing it into a case."""
    return Report.objects.prefetch_related("media").get(pk=report_id)


def unfiled_ready_report_ids(older_than, exclude_ids) -> list[int]:
    """Reports past processing, received before older_than, whose ids are not in exclude_ids
    (a subquery of the reports the caller has filed)."""
    return list(
        Report.objects.exclude(status=Report.Status.RECEIVED)
        .filter(received_at__lt=older_than)
        .exclude(pk__in=exclude_ids)
        .values_list("pk", flat=True)[:1000]
    )


def original_bytes(media_id: int) -> tuple[bytes, str, str]:
    """The stored original (decrypted), its sniffed content type, and its kind."""
    from reports import vault

    media = Media.objects.only("vault_name", "content_type", "kind").get(pk=media_id)
    return vault.load(media.vault_name), media.content_type, media.kind


def report_id_of_media(media_id: int) -> int | None:
    """The report a media item belongs to."""
    return Media.objects.filter(pk=media_id).values_list("report_id", flat=True).first()


def media_ids_of_reports(report_ids: list[int]) -> list[int]:
    return list(Media.objects.filter(report_id__in=report_ids).values_list("pk", flat=True))


def best_matches(report_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per media id of these reports, its closest hash-list match (list, kind, distance,
    category), for priority and the suggested classification."""
    from reports.models import MediaMatch

    best: dict[int, dict[str, Any]] = {}
    rows = (
        MediaMatch.objects.filter(media__report_id__in=report_ids)
        .select_related("entry__hash_list")
        .order_by("distance")
    )
    for match in rows:
        best.setdefault(
            match.media_id,
            {
                "list": match.entry.hash_list.name,
                "kind": match.entry.kind,
                "distance": match.distance,
                "category": match.entry.category or match.entry.hash_list.default_category,
            },
        )
    return best


def near_duplicate_media(media_ids: list[int]) -> set[int]:
    """Processed media whose PDQ is within PDQ_MATCH_DISTANCE of any of these media in any
    orientation (the media themselves excluded)."""
    from django.conf import settings

    from reports import pdq_matcher

    found: set[int] = set()
    for media in Media.objects.filter(pk__in=media_ids):
        variants = pdq_matcher.orientations(media)
        found |= set(pdq_matcher.media_index.query(variants, settings.PDQ_MATCH_DISTANCE))
    return found - set(media_ids)


def report_ids_of_media(media_ids: set[int]) -> list[int]:
    return list(Media.objects.filter(pk__in=media_ids).values_list("report_id", flat=True))


def sha256s_of_reports(report_ids: list[int]) -> list[str]:
    return list(
        Media.objects.filter(report_id__in=report_ids)
        .exclude(sha256="")
        .values_list("sha256", flat=True)
    )
