"""Matching media against hash lists: exact MD5/SHA-1/SHA-256, PDQ near-duplicates.

A match on a negative list (known false positives) suppresses every other match of that
media item: the content is known not to be what the lists look for. An entry that suddenly
matches a flood of media is quarantined as its matches are recorded (reports.hygiene).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from reports import hygiene, list_switches, pdq_matcher
from reports.models import HashEntry, HashList, Media, MediaMatch
from reports.signals import media_matched
from reports.video_matching import Found, video_matches


def find_matches(media: Media) -> dict[int, int]:
    """Entry id -> distance for every matched entry (reports.list_switches: list and kind
    switched on, entry not disabled) this media item matches, PDQ within its list's
    distance."""
    exact = Q(pk__in=[])
    for kind in ("md5", "sha1", "sha256"):
        value = getattr(media, kind)
        if value:
            exact |= Q(value=value) & list_switches.matched(kind)
    found: dict[int, int] = {}
    ids = HashEntry.objects.filter(exact).values_list("pk", flat=True)
    found.update(dict.fromkeys(ids, 0))
    variants = pdq_matcher.orientations(media)
    if variants:
        near = pdq_matcher.hash_list_index.query(variants, list_switches.widest_pdq_distance())
        for entry_id, distance in list_switches.within_list_distance(near).items():
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
        new = set(found) - known
        hygiene.quarantine_floods(new)  # before anyone weighs the new matches
        if new:
            media_matched.send(sender=Media, media=media, report_id=media.report_id)
    return list(media.matches.select_related("entry__hash_list"))
