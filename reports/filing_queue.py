"""The reports waiting to be filed into cases, and what filing needs to know of them: the
content hashes they carry and the reports whose media are near-duplicates of theirs."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection

from reports import pdq_matcher
from reports.models import Media

# Ready (processed, or failed for good) and not yet in a case, oldest first; reports locked
# by another filer are skipped, not waited for.
_CLAIM = """
    SELECT report_id FROM reports_unfiledreport WHERE {which}
    ORDER BY report_id LIMIT %s FOR UPDATE SKIP LOCKED
"""


def claim_reports_to_file(limit: int, only: list[int] | None = None) -> list[int]:
    """Lock up to limit ready, unfiled reports until the transaction ends, and return their
    ids; with only, those of these reports not filed yet, ready or not (filing on demand)."""
    with connection.cursor() as cursor:
        if only is None:
            cursor.execute(_CLAIM.format(which="ready"), [limit])
        else:
            cursor.execute(_CLAIM.format(which="report_id = ANY(%s)"), [list(only), limit])
        return [row[0] for row in cursor.fetchall()]


def mark_filed(report_ids: list[int]) -> None:
    """The claimed reports are in their cases: they leave the filer's work (committed, or
    rolled back, with the cases)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reports_unfiledreport WHERE report_id = ANY(%s)", [list(report_ids)]
        )


def content_hashes(report_ids: list[int]) -> dict[int, set[str]]:
    """Each report's media SHA-256s (reports without processed media are left out)."""
    hashes: dict[int, set[str]] = defaultdict(set)
    for report_id, sha256 in (
        Media.objects.filter(report_id__in=report_ids)
        .exclude(sha256="")
        .values_list("report_id", "sha256")
    ):
        hashes[report_id].add(sha256)
    return hashes


def near_duplicate_reports(report_ids: list[int]) -> dict[int, set[int]]:
    """For each report, the other reports with a media item whose PDQ is within
    PDQ_MATCH_DISTANCE of one of its own in any orientation."""
    near_media: dict[int, set[int]] = defaultdict(set)
    media = Media.objects.filter(report_id__in=report_ids).exclude(pdq="")
    for item in media.only("id", "report_id", "pdq", "pdq_quality", "pdq_dihedral"):
        variants = pdq_matcher.orientations(item)
        found = pdq_matcher.media_index.query(variants, settings.PDQ_MATCH_DISTANCE)
        near_media[item.report_id] |= set(found) - {item.pk}
    wanted = set().union(*near_media.values()) if near_media else set()
    report_of = dict(Media.objects.filter(pk__in=wanted).values_list("pk", "report_id"))
    return {
        report_id: {report_of[m] for m in found if m in report_of} - {report_id}
        for report_id, found in near_media.items()
    }
