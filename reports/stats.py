"""Reports' figures for casework's metrics page, per bucket of a range: intake by source
and reason, and hash-list match rates. One SQL query each over the received_at index; the
bucket of a timestamp t is floor((t - start) / step). Reached through reports.api."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

BUCKET = "floor(extract(epoch FROM r.received_at - %(start)s) / %(step)s)::int"

INTAKE = f"""
SELECT {BUCKET}, r.source, r.reason, count(*) FROM reports_report r
WHERE r.received_at >= %(start)s AND r.received_at < %(end)s
GROUP BY 1, 2, 3
"""

# Processed media of the reports received in each bucket, and how many of them matched
# each list; every enabled list is shown, with 0 where nothing matched it.
MATCH_RATES = f"""
WITH media AS (
    SELECT m.id, {BUCKET} AS i FROM reports_report r
    JOIN reports_media m ON m.report_id = r.id
    WHERE r.received_at >= %(start)s AND r.received_at < %(end)s AND m.status = 'processed'
), totals AS (
    SELECT i, count(*) AS n FROM media GROUP BY i
), matched AS (
    SELECT media.i, l.name, count(DISTINCT media.id) AS n FROM media
    JOIN reports_mediamatch mm ON mm.media_id = media.id
    JOIN reports_hashentry e ON e.id = mm.entry_id
    JOIN reports_hashlist l ON l.id = e.hash_list_id
    GROUP BY 1, 2
), lists AS (
    SELECT name FROM reports_hashlist WHERE enabled UNION SELECT name FROM matched
)
SELECT t.i, l.name, t.n, coalesce(m.n, 0) FROM totals t CROSS JOIN lists l
LEFT JOIN matched m ON m.i = t.i AND m.name = l.name
"""


def _rows(sql: str, start: datetime, end: datetime, step: timedelta) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "step": step.total_seconds()})
        return cursor.fetchall()


def intake_counts(
    start: datetime, end: datetime, step: timedelta
) -> list[tuple[int, str, str, int]]:
    """(bucket index, source, reason, reports received) for each non-empty combination."""
    return _rows(INTAKE, start, end, step)


def match_rates(start: datetime, end: datetime, step: timedelta) -> list[tuple[int, str, int, int]]:
    """(bucket index, list name, processed media, of which matched the list) for each
    bucket with processed media and each list."""
    return _rows(MATCH_RATES, start, end, step)
