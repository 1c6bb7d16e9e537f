"""Matching media against hash lists: exact MD5/SHA-1/SHA-256, PDQ near-duplicates.

A match on a negative list (known false positives) suppresses every other match of that
media item: the content is known not to be what the lists look for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from reports import pdq_matcher
from reports.models import HashEntry, HashList, Media, MediaMatch
from reports.signals import media_matched
from reports.video_matching import Found, video_matches


def find_matches(media: Media) -> dict[int, int]:
    """Entry id -> distance for every enabled list entry this media item matches."""
    exact = Q()
    for kind in ("md5", "sha1", "sha256"):
        value = getattr(media, kind)
        if value:
            exact |= Q(kind=kind, value=value)
    found: dict[int, int] = {}
    if exact:
        ids = HashEntry.objects.filter(exact, hash_list__enabled=True).values_list("pk", flat=True)
        found.update(dict.fromkeys(ids, 0))
    variants = pdq_matcher.orientations(media)
    threshold = settings.PDQ_MATCH_DISTANCE
    for entry_id, distance in pdq_matcher.hash_list_index.query(variants, threshold).items():
        found[entry_id] = min(distance, found.get(entry_id, distance))
    return found


def record_matches(media: Media) -> list[MediaMatch]:
    """Replace the media item's stored matches with what the lists say now (a video's by its
    vPDQ and its frames too)."""
    found = {entry: Found(distance) for entry, distance in find_matches(media).items()}
    for entry, match in video_matches(media).items():
        if entry not in found or match.distance < found[entry].distance:
            found[entry] = match
    negative = set(
        HashEntry.objects.filter(
            pk__in=found, hash_list__purpose=HashList.Purpose.NEGATIVE
        ).values_list("pk", flat=True)
    )
    if negative:
        found = {}
    with transaction.atomic():
        MediaMatch.objects.filter(media=media).exclude(entry_id__in=found).delete()
        known = set(media.matches.values_list("entry_id", flat=True))
        MediaMatch.objects.bulk_create(
            [
                MediaMatch(
                    media=media,
                    entry_id=entry,
                    distance=match.distance,
                    query_match_percent=match.query_match_percent,
                    compared_match_percent=match.compared_match_percent,
                    timestamp=match.timestamp,
                    segment_start=match.segment_start,
                    segment_end=match.segment_end,
                )
                for entry, match in found.items()
            ],
            ignore_conflicts=True,
        )
        if set(found) - known:
            media_matched.send(sender=Media, media=media, report_id=media.report_id)
    return list(media.matches.select_related("entry__hash_list"))
