"""The metrics page's figures, one SQL query each, computed by PostgreSQL over the range's
buckets (reports' own figures come through reports.api). Nothing here loops over cases in
Python: a query returns one row per bucket and series at most.

A bucket's index is floor((t - start) / step); each figure is a Figure of equal-length
series over the range's buckets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from casework.cases.decisions import NEEDS_APPROVAL
from casework.models import OPEN_STATUSES
from casework.stats.ranges import Range
from reports import api

Value = float | int | None
BARS, LINES = "bars", "lines"


@dataclass(frozen=True)
class Figure:
    """One chart's worth: series of values per bucket, and how to read them."""

    name: str  # the figure's id in the CSV export and the page's anchors
    title: str
    unit: str
    kind: str  # BARS (counts, stacked) or LINES
    buckets: list[datetime]
    series: dict[str, list[Value]]
    explains: str = ""

    @property
    def rows(self) -> list[tuple[datetime, list[Value]]]:
        """Per bucket, the value of each series (in the order of series)."""
        return [
            (bucket, [values[i] for values in self.series.values()])
            for i, bucket in enumerate(self.buckets)
        ]


def _bucket(column: str) -> str:
    """SQL for the bucket index of a timestamp column (a module constant, never input)."""
    return f"floor(extract(epoch FROM {column} - %(start)s) / %(step)s)::int"


def _params(window: Range) -> dict[str, object]:
    return {
        "start": window.start,
        "end": window.end,
        "step": window.step.total_seconds(),
        "n": window.bucket_count,
    }


def _query(sql: str, window: Range, **extra: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {**_params(window), **extra})
        return cursor.fetchall()


def _figure(
    window: Range,
    rows: Iterable[Sequence],
    *,
    known: Sequence[str] = (),
    empty: Value = 0,
    **about: str,
) -> Figure:
    """A figure from rows of (bucket index, series, value); the known series come first and
    are shown even without a row; a bucket without a row is `empty`."""
    rows = list(rows)
    names = list(known) + sorted({str(r[1]) for r in rows} - set(known))
    series: dict[str, list[Value]] = {name: [empty] * window.bucket_count for name in names}
    for index, name, value in rows:
        if 0 <= index < window.bucket_count:
            series[str(name)][index] = value
    return Figure(buckets=window.buckets, series=series, **about)


def _durations(window: Range, rows: Iterable[Sequence], **about: str) -> Figure:
    """Rows of (bucket index, median seconds, p95 seconds) as minutes."""
    flat = []
    for index, median, p95 in rows:
        flat += [(index, "median", _minutes(median)), (index, "p95", _minutes(p95))]
    return _figure(window, flat, known=("median", "p95"), empty=None, unit="minutes", kind=LINES,
                   **about)  # fmt: skip


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
NEEDING_APPROVAL = ", ".join(f"'{verdict}'" for verdict in sorted(NEEDS_APPROVAL))
PERCENTILES = (
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY {0}), "
    "percentile_cont(0.95) WITHIN GROUP (ORDER BY {0})"
)

# A case's decisions before some time, counted by a scalar subquery: one probe of the case's
# decisions by case id per row. (NOT EXISTS plans as a hash anti-join over every decision
# ever made, and min(decided_at) walks the decided_at index from its start for each row.)
EARLIER = "SELECT count(*) FROM casework_decision e WHERE {}"

# Walking back from now: a queue's backlog at t is its open count now, minus the cases
# opened after t, plus those that left review (a verdict, or merged away) after t, minus
# those returned to review after t. The changes are summed per bucket once (MATERIALIZED:
# inlined, they would be summed again for every bucket), then over the later buckets; bucket
# n holds every change after the range.
BACKLOG = f"""
WITH changes AS (
    SELECT queue_id, created_at AS at, -1 AS delta FROM casework_case
    WHERE created_at >= %(start)s
  UNION ALL
    SELECT c.queue_id, moved.at, moved.delta FROM (
        SELECT case_id, decided_at AS at, 1 AS delta FROM casework_decision
        WHERE decided_at >= %(start)s
      UNION ALL
        SELECT case_id, returned_at, -1 FROM casework_decision WHERE returned_at >= %(start)s
      UNION ALL
        SELECT substr(target, 6)::bigint, at, 1 FROM casework_auditevent
        WHERE action = 'case.merged' AND data ? 'merged_into' AND at >= %(start)s
    ) AS moved JOIN casework_case c ON c.id = moved.case_id
), per_bucket AS MATERIALIZED (
    SELECT queue_id, least({_bucket("at")}, %(n)s) AS j, sum(delta) AS s
    FROM changes GROUP BY 1, 2
), open_now AS (
    SELECT queue_id, count(*) AS n FROM casework_case WHERE status IN ({OPEN}) GROUP BY 1
), walked AS (
    SELECT b.i, q.slug, coalesce(o.n, 0) + coalesce(sum(p.s) OVER (
        PARTITION BY q.id ORDER BY b.i DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), 0) AS backlog
    FROM casework_queue q CROSS JOIN generate_series(0, %(n)s) AS b(i)
    LEFT JOIN per_bucket p ON p.queue_id = q.id AND p.j = b.i
    LEFT JOIN open_now o ON o.queue_id = q.id
)
SELECT i, slug, backlog FROM walked WHERE i < %(n)s
"""


def backlog(window: Range) -> Figure:
    rows = _query(BACKLOG, window)
    return _figure(window, rows, known=_queue_slugs(), name="backlog", unit="cases", kind=LINES,
                   title="Backlog per queue",
                   explains="Cases waiting for a verdict (new or in review) at each bucket's "
                   "end, by their current queue.")  # fmt: skip


def _queue_slugs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug FROM casework_queue ORDER BY position, slug")
        return [slug for (slug,) in cursor.fetchall()]


FIRST_REVIEW = f"""
SELECT {_bucket("d.decided_at")}, {PERCENTILES.format("extract(epoch FROM d.decided_at - c.created_at)")}
FROM casework_decision d JOIN casework_case c ON c.id = d.case_id
WHERE d.decided_at >= %(start)s AND d.decided_at < %(end)s
  AND ({EARLIER.format("e.case_id = d.case_id AND e.decided_at < d.decided_at")}) = 0
GROUP BY 1
"""  # noqa: E501


def time_to_first_review(window: Range) -> Figure:
    return _durations(window, _query(FIRST_REVIEW, window), name="time_to_first_review",
                      title="Time to first review",
                      explains="From the case opened to its first reviewer's verdict, by when "
                      "the verdict came.")  # fmt: skip


# A case's decision is final when its verdict closes the case, or when it is approved.
DECISION = f"""
WITH final AS (
    SELECT case_id, decided_at AS at FROM casework_decision
    WHERE decided_at >= %(start)s AND decided_at < %(end)s
      AND verdict NOT IN ({NEEDING_APPROVAL})
  UNION ALL
    SELECT case_id, approved_at FROM casework_decision
    WHERE approved_at >= %(start)s AND approved_at < %(end)s
)
SELECT {_bucket("f.at")}, {PERCENTILES.format("extract(epoch FROM f.at - c.created_at)")}
FROM final f JOIN casework_case c ON c.id = f.case_id GROUP BY 1
"""


def time_to_decision(window: Range) -> Figure:
    return _durations(window, _query(DECISION, window), name="time_to_decision",
                      title="Time to decision",
                      explains="From the case opened to its final decision: a verdict that "
                      "closes it, or the second person's approval.")  # fmt: skip


BREACHES = f"""
SELECT {_bucket("c.deadline_at")}, q.slug, count(*)
FROM casework_case c JOIN casework_queue q ON q.id = c.queue_id
WHERE c.deadline_at >= %(start)s AND c.deadline_at < %(end)s
  AND c.deadline_at < statement_timestamp()
  AND ({EARLIER.format("e.case_id = c.id AND e.decided_at <= c.deadline_at")}) = 0
  AND (c.status IN ({OPEN}) OR EXISTS (SELECT 1 FROM casework_decision d WHERE d.case_id = c.id))
GROUP BY 1, 2
"""


def deadline_breaches(window: Range) -> Figure:
    return _figure(window, _query(BREACHES, window), known=_queue_slugs(),
                   name="deadline_breaches", title="Deadline breaches", unit="cases", kind=BARS,
                   explains="Cases whose deadline passed before any verdict, by when it passed "
                   "(cases merged away are left out: their reports count where they went)."
                   )  # fmt: skip


APPROVALS = f"""
    SELECT {_bucket("approved_at")}, 'approved', count(*) FROM casework_decision
    WHERE approved_at >= %(start)s AND approved_at < %(end)s GROUP BY 1
  UNION ALL
    SELECT {_bucket("returned_at")}, 'returned', count(*) FROM casework_decision
    WHERE returned_at >= %(start)s AND returned_at < %(end)s GROUP BY 1
"""


def approvals_and_returns(window: Range) -> Figure:
    return _figure(window, _query(APPROVALS, window), known=("approved", "returned"),
                   name="approvals_and_returns", title="Approvals and returns", unit="decisions",
                   kind=BARS, explains="CSAM verdicts a second person approved, or returned to "
                   "review.")  # fmt: skip


ESCALATIONS = f"""
SELECT {_bucket("created_at")}, target, count(*) FROM casework_escalation
WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2
"""


def escalations_by_target(window: Range) -> Figure:
    return _figure(window, _query(ESCALATIONS, window), name="escalations_by_target",
                   title="Escalations by hotline", unit="escalations", kind=BARS,
                   explains="Escalations opened at approval, per hotline.")  # fmt: skip


SUBMISSION = f"""
SELECT {_bucket("submitted_at")}, {PERCENTILES.format("extract(epoch FROM submitted_at - created_at)")}
FROM casework_escalation WHERE submitted_at >= %(start)s AND submitted_at < %(end)s GROUP BY 1
"""  # noqa: E501


def time_to_submission(window: Range) -> Figure:
    return _durations(window, _query(SUBMISSION, window), name="time_to_submission",
                      title="Time to hotline submission",
                      explains="From the approval (the escalation opened) to the hotline "
                      "giving its report id, by when it did.")  # fmt: skip


def intake(window: Range) -> tuple[Figure, Figure]:
    """Reports received, by source and by reason (one query for both)."""
    counts = api.intake_counts(window.start, window.end, window.step)
    by_source: dict[tuple[int, str], int] = {}
    by_reason: dict[tuple[int, str], int] = {}
    for index, source, reason, count in counts:
        by_source[index, source] = by_source.get((index, source), 0) + count
        by_reason[index, reason] = by_reason.get((index, reason), 0) + count
    about = {"unit": "reports", "kind": BARS}
    return (
        _figure(window, [(i, s, n) for (i, s), n in by_source.items()], known=api.REPORT_SOURCES,
                name="intake_by_source", title="Intake by source",
                explains="Reports received, by their source.", **about),
        _figure(window, [(i, r, n) for (i, r), n in by_reason.items()], known=api.REPORT_REASONS,
                name="intake_by_reason", title="Intake by reason",
                explains="Reports received, by their reason.", **about),
    )  # fmt: skip


def match_rates(window: Range) -> Figure:
    rows = api.match_rates(window.start, window.end, window.step)
    rates = [(i, name, round(100 * matched / total, 1)) for i, name, total, matched in rows]
    return _figure(window, rates, empty=None, name="match_rates", title="Hash-list match rate",
                   unit="% of media", kind=LINES,
                   explains="The share of processed media, of reports received in the bucket, "
                   "that matched each list.")  # fmt: skip


def all_figures(window: Range) -> list[Figure]:
    """Every figure of the page, in its order."""
    return [
        *intake(window),
        backlog(window),
        time_to_first_review(window),
        time_to_decision(window),
        deadline_breaches(window),
        approvals_and_returns(window),
        escalations_by_target(window),
        time_to_submission(window),
        match_rates(window),
    ]
