"""The one door into the reports app for other apps (casework): every read they need for
filing reports and showing cases, evidence bytes and metadata, confirming hashes, submitting
a report (the demo), and the errors these may raise. Nothing else in reports is imported
from outside; what is here is the contract, and the rest may change freely.

Signals (reports.signals) say what happened; this module is how to ask and to act.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from reports import hygiene, playback, purging, region_reveal, synthetic, vault
from reports.facts import ListMatch, ReportFacts, facts_of_groups, report_facts
from reports.filing_queue import (
    claim_reports_to_file,
    content_hashes,
    mark_filed,
    near_duplicate_reports,
)
from reports.hashlists import INDUSTRY_CATEGORIES, IWF_CATEGORIES, add_confirmed
from reports.intake import CheckedMedia, Upload, raw_payload, receive_report
from reports.media import inspect
from reports.metadata import read_metadata
from reports.models import HashEntry, Media, MediaMatch, Platform, Report
from reports.previews import DEFAULT_STYLE, PreviewStyle
from reports.purging import PurgedMedia
from reports.region_reveal import BadRegion
from reports.schemas import ReportIn
from reports.sealed_fields import SealedTextField, matching
from reports.sealing import SealError, seal_text, unseal_text
from reports.selectors import add_status_extension
from reports.stats import intake_counts, match_rates
from reports.styled_previews import preview_for
from reports.tokens import create_intake_token
from reports.vault import MediaPurged, VaultError
from reports.vpdq_media_index import VideoLink, matching_videos

__all__ = [
    "BadRegion",
    "DEFAULT_STYLE",
    "EntryInReview",
    "EntryNotInReview",
    "HashEntryDoesNotExist",
    "HashEntryReviewed",
    "INDUSTRY_CATEGORIES",
    "IWF_CATEGORIES",
    "REPORT_REASONS",
    "REPORT_SOURCES",
    "ListMatch",
    "MediaPurged",
    "NotAVideo",
    "PreviewStyle",
    "PurgedMedia",
    "ReportFacts",
    "SealError",
    "SealedTextField",
    "VaultError",
    "VideoLink",
    "add_confirmed",
    "add_status_extension",
    "best_match_category",
    "best_matches",
    "claim_reports_to_file",
    "content_hashes",
    "create_intake_token",
    "delete_purged_bytes",
    "entries_in_review",
    "note_not_csam",
    "review_hash_entry",
    "media_due_for_purge",
    "mark_media_purged",
    "preserve_media",
    "preserved_media",
    "facts_of_groups",
    "intake_counts",
    "media_ids_of_reports",
    "media_pending",
    "mark_filed",
    "match_rates",
    "matching_videos",
    "video_list_matches",
    "media_metadata",
    "near_duplicate_reports",
    "original_bytes",
    "playback_stream",
    "PLAYBACK_CONTENT_TYPE",
    "platform_exists",
    "preview_for",
    "recent_report_ids_of_uploaders",
    "report_facts",
    "report_id_of_media",
    "report_ids_matching",
    "report_ids_matched_by",
    "reports_with_media",
    "reports_with_media_in",
    "seal_text",
    "sha256s_of_reports",
    "submit_report",
    "synthetic_image",
    "synthetic_video",
    "unseal_text",
]

REPORT_SOURCES: tuple[str, ...] = tuple(Report.Source.values)
REPORT_REASONS: tuple[str, ...] = tuple(Report.Reason.values)

HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")

NotAVideo = playback.NotAVideo
PLAYBACK_CONTENT_TYPE = playback.CONTENT_TYPE
playback_stream = playback.stream_for
synthetic_image = synthetic.image_bytes
synthetic_video = synthetic.video_bytes

# --- Reads for filing and for the case page --------------------------------------------


def original_bytes(media_id: int) -> tuple[bytes, str, str]:
    """The stored original (decrypted), its sniffed content type, and its kind; MediaPurged
    once its keeping has ended."""
    media = Media.objects.only("vault_name", "content_type", "kind", "purged_at").get(pk=media_id)
    purging.refuse_if_purged(media)
    return vault.load(media.vault_name), media.content_type, media.kind


def region_revealed_bytes(media_id: int, region_text: str) -> tuple[bytes, list[int]]:
    """A JPEG of the original image unfiltered only inside region_text (`x,y,w,h` in its
    pixels), and the region read; BadRegion if it cannot be read, does not fit, or the media
    item is a video; MediaPurged once its keeping has ended."""
    media = Media.objects.only("vault_name", "kind", "width", "height", "purged_at").get(
        pk=media_id
    )
    purging.refuse_if_purged(media)
    if media.kind != Media.Kind.IMAGE:
        raise region_reveal.BadRegion("applies to images; reveal a video whole")
    region = region_reveal.parse_region(region_text, media.width or 0, media.height or 0)
    return region_reveal.region_revealed(vault.load(media.vault_name), region), region.as_list()


def report_id_of_media(media_id: int) -> int | None:
    """The report a media item belongs to."""
    return Media.objects.filter(pk=media_id).values_list("report_id", flat=True).first()


def media_ids_of_reports(report_ids: list[int]) -> list[int]:
    return list(Media.objects.filter(report_id__in=report_ids).values_list("pk", flat=True))


def best_matches(report_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per media id of these reports, its closest hash-list match (list, kind, distance,
    category), for priority and the suggested classification. A match of a quarantined
    entry comes only when there is no other, marked quarantined and suggesting no category."""
    best: dict[int, dict[str, Any]] = {}
    rows = (
        MediaMatch.objects.filter(media__report_id__in=report_ids)
        .select_related("entry__hash_list")
        .order_by("distance")
    )
    for match in sorted(rows, key=lambda m: m.entry.state not in hygiene.COUNTED_STATES):
        quarantined = match.entry.state not in hygiene.COUNTED_STATES
        best.setdefault(
            match.media_id,
            {
                "list": match.entry.hash_list.name,
                "kind": match.entry.kind,
                "distance": match.distance,
                "category": ""
                if quarantined
                else match.entry.category or match.entry.hash_list.default_category,
                "quarantined": quarantined,
            },
        )
    return best


def video_list_matches(media_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per media id, its videos' vPDQ list matches, the largest matched share first: list,
    category, both shares, and the segment of its frames that matched (seconds)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not media_ids:
        return found
    rows = (
        MediaMatch.objects.filter(media_id__in=media_ids, entry__kind="vpdq")
        .select_related("entry__hash_list")
        .order_by("-query_match_percent", "pk")
    )
    for match in rows:
        found.setdefault(match.media_id, []).append(
            {
                "list": match.entry.hash_list.name,
                "category": match.entry.category or match.entry.hash_list.default_category,
                "query_match_percent": match.query_match_percent,
                "compared_match_percent": match.compared_match_percent,
                "segment_start": match.segment_start,
                "segment_end": match.segment_end,
            }
        )
    return found


def best_match_category(media_id: int) -> str:
    """The category of the media item's closest hash-list match ("" if none or unset)."""
    match = (
        MediaMatch.objects.filter(media_id=media_id)
        .select_related("entry__hash_list")
        .order_by("distance")
        .first()
    )
    if match is None:
        return ""
    return match.entry.category or match.entry.hash_list.default_category or ""


def reports_reviewers_opt_out_of(*, video: bool, categories: list[str]) -> QuerySet | None:
    """The ids of reports a reviewer opted out of (with video media, or media matched in one
    of these categories), as a subquery for claiming; None when they opted out of nothing."""
    if not video and not categories:
        return None
    media = Media.objects.none()
    if video:
        media = media | Media.objects.filter(kind=Media.Kind.VIDEO)
    if categories:
        in_category = Q(matches__entry__category__in=categories) | Q(
            matches__entry__category="", matches__entry__hash_list__default_category__in=categories
        )
        media = media | Media.objects.filter(in_category)
    return media.values("report_id")


def sha256s_of_reports(report_ids: list[int]) -> list[str]:
    return list(
        Media.objects.filter(report_id__in=report_ids)
        .exclude(sha256="")
        .values_list("sha256", flat=True)
    )


def reports_with_media(report_ids: list[int]) -> list[Report]:
    """The reports (with platform and their media in order) in the order of report_ids."""
    by_id = {r.pk: r for r in _with_media(report_ids)}
    return [by_id[i] for i in report_ids if i in by_id]


def reports_with_media_in(report_ids: QuerySet) -> list[Report]:
    """The reports whose ids a subquery selects (with platform and media in order), in the
    order they arrived: one round trip for the ids and the reports together."""
    return list(_with_media(report_ids).order_by("pk"))


def _with_media(report_ids: list[int] | QuerySet) -> QuerySet:
    media_in_order = Prefetch("media", queryset=Media.objects.order_by("position"))
    rows = Report.objects.select_related("platform").prefetch_related(media_in_order)
    return rows.filter(pk__in=report_ids)


def recent_report_ids_of_uploaders(uploader_ids: list[str], limit: int = 100) -> list[int]:
    """The newest reports (up to limit each) naming one of these uploader accounts."""
    field = Report._meta.get_field("uploader_id_digest")
    digests = [d for uploader_id in uploader_ids for d in field.candidates(uploader_id)]
    if not digests:
        return []
    # One index walk per account, newest first, in one query: with a plain IN list the
    # planner walks every report backwards, and a prolific account cannot make a page scan
    # its whole history. The `<> ''` lets the planner use the partial index (without it,
    # every report is scanned: 150 ms at 74,000 reports). Its own round trip: as a subquery
    # of the cases query the planner chose badly.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT recent.id FROM unnest(%s::text[]) AS wanted(digest)
            CROSS JOIN LATERAL (
                SELECT r.id FROM reports_report r
                WHERE r.uploader_id_digest = wanted.digest AND r.uploader_id_digest <> ''
                ORDER BY r.id DESC LIMIT %s
            ) AS recent
            """,
            [digests, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def report_ids_matching(query: str, limit: int = 1000) -> list[int]:
    """Reports whose external id or uploader id is the query, or with a media item whose
    SHA-256 (64 hex digits) or MD5 (32) it is."""
    match = (
        matching(Report, "external_id_digest", query)
        | matching(Report, "uploader_id_digest", query)
        | matching(Report, "uploader_email_digest", query)
    )
    if HEX64.match(query):
        match |= Q(media__sha256=query.lower())
    elif HEX32.match(query):
        match |= Q(media__md5=query.lower())
    return list(Report.objects.filter(match).values_list("id", flat=True).distinct()[:limit])


# --- Evidence ---------------------------------------------------------------------------


def media_metadata(media_id: int) -> dict[str, str]:
    """The media item's embedded metadata (EXIF, PNG text, container tags)."""
    data, _, kind = original_bytes(media_id)
    return read_metadata(data, kind)


# --- Preservation (casework.preservation decides what is kept and what is purged) -------

preserve_media = purging.preserve
media_due_for_purge = purging.due_for_purge
mark_media_purged = purging.mark_purged
delete_purged_bytes = purging.delete_bytes


def preserved_media(now: Any) -> list[dict[str, Any]]:
    """Media preserved past now, not purged: id, report, until and why (for the report)."""
    rows = Media.objects.filter(preserved_until__gt=now, purged_at__isnull=True).order_by(
        "preserved_until", "pk"
    )
    return list(rows.values("id", "report_id", "preserved_until", "preserved_reason"))


# --- Hash-list hygiene (reports.hygiene: quarantined entries, reviewed by leads) --------

EntryInReview = hygiene.EntryInReview
EntryNotInReview = hygiene.EntryNotInReview
HashEntryReviewed = hygiene.Reviewed
entries_in_review = hygiene.entries_in_review
review_hash_entry = hygiene.review_entry
HashEntryDoesNotExist = HashEntry.DoesNotExist


def report_ids_matched_by(entry_ids: list[int]) -> list[int]:
    """The reports with media these hash-list entries matched."""
    rows = MediaMatch.objects.filter(entry_id__in=entry_ids)
    return list(rows.values_list("media__report_id", flat=True).distinct())


def note_not_csam(media_ids: list[int]) -> list[int]:
    """A case of these media was decided not CSAM: counts against the third-party entries
    they matched; returns the ids of the entries that it quarantined."""
    return hygiene.note_not_csam(media_ids)


# --- Submitting (the demo data) -----------------------------------------------------------


def platform_exists(name: str) -> bool:
    return Platform.objects.filter(name=name).exists()


def submit_report(
    platform_name: str, document: dict[str, Any], files: list[tuple[str, bytes]]
) -> tuple[Report, bool]:
    """Receive a report as the intake API would (idempotent on its external id); returns the
    report and whether it was new. For trusted callers: bad files raise MediaRefused."""
    checked = [CheckedMedia(name, data, inspect(data, name)) for name, data in files]
    return receive_report(
        platform=Platform.objects.get(name=platform_name),
        report=ReportIn.model_validate(document),
        media=checked,
        payload=raw_payload(document, [Upload("media", name, b"") for name, _ in files]),
    )


def media_pending() -> int:
    """How many media wait to be hashed and previewed (for the operators' metrics)."""
    return Media.objects.filter(status=Media.Status.PENDING).count()
