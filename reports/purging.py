"""Preservation on the evidence's side: how long a media item's bytes must be kept, and
deleting them once casework.preservation decides they are due. What stays is the Media row:
hashes, size, dimensions and dates are the record that the file existed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from reports import playback, styled_previews, vault
from reports.models import Media
from reports.vault import MediaPurged


@dataclass(frozen=True)
class PurgedMedia:
    """A media item as it was when purged: what its audit event records."""

    media_id: int
    report_id: int
    sha256: str
    md5: str
    size: int
    created_at: datetime
    preserved_until: datetime | None
    vault_names: tuple[str, ...]


def refuse_if_purged(media: Media) -> None:
    if media.purged_at is not None:
        raise MediaPurged(media.pk, media.purged_at)


def preserve(media_ids: list[int], until: datetime, reason: str) -> int:
    """Keep these media at least until `until`: a later date extends, an earlier one never
    shortens. Returns how many were extended."""
    return (
        Media.objects.filter(pk__in=media_ids, purged_at__isnull=True)
        .filter(Q(preserved_until__isnull=True) | Q(preserved_until__lt=until))
        .update(preserved_until=until, preserved_reason=reason[:300])
    )


def due_for_purge(
    report_ids: list[int], *, now: datetime, created_before: datetime
) -> list[tuple[int, int]]:
    """Of these reports' media, those not purged yet that arrived before created_before and
    whose preservation (if any) has ended by now: (media id, report id) in id order."""
    rows = Media.objects.filter(
        report_id__in=report_ids, purged_at__isnull=True, created_at__lte=created_before
    ).filter(Q(preserved_until__isnull=True) | Q(preserved_until__lte=now))
    return list(rows.order_by("pk").values_list("pk", "report_id"))


def mark_purged(media_ids: list[int], *, now: datetime) -> list[PurgedMedia]:
    """Mark these media purged (in the caller's transaction, rows locked) and forget their
    previews; returns what each was, with the vault files to delete once this commits.
    Items already purged, or preserved past now after all, are left out."""
    with transaction.atomic():
        rows = list(
            Media.objects.select_for_update()
            .filter(pk__in=media_ids, purged_at__isnull=True)
            .filter(Q(preserved_until__isnull=True) | Q(preserved_until__lte=now))
            .order_by("pk")
        )
        purged = [
            PurgedMedia(
                media_id=m.pk,
                report_id=m.report_id,
                sha256=m.sha256,
                md5=m.md5,
                size=m.size,
                created_at=m.created_at,
                preserved_until=m.preserved_until,
                vault_names=tuple(n for n in (m.vault_name, m.preview_vault_name) if n),
            )
            for m in rows
        ]
        Media.objects.filter(pk__in=[m.pk for m in rows]).update(
            purged_at=now, preview_vault_name="", preview_key_id=""
        )
    return purged


def delete_bytes(purged: list[PurgedMedia]) -> None:
    """Delete the purged items' vault files, their cached playback streams and any styled
    preview this process made."""
    for item in purged:
        for name in item.vault_names:
            vault.discard(name)
    playback.forget({item.vault_names[0] for item in purged if item.vault_names})
    styled_previews.forget({item.media_id for item in purged})
