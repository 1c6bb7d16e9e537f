"""The metrics page: each figure right on a small hand-built history, the range from the
query string (a 400 naming a bad parameter), leads and admins only, every look audited,
and the CSV export of the same figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import roles
from casework.cases import routing
from casework.models import AuditEvent, Case, Escalation, Queue
from casework.stats import figures, ranges
from reports.models import HashList
from tests.casework.stats_builders import case, decision, report
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

NOV = datetime(2026, 11, 1, tzinfo=UTC)
# Three days, by the day: buckets Nov 2, Nov 3, Nov 4.
CUSTOM = {"from": "2026-11-02", "to": "2026-11-04"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return NOV.replace(day=day, hour=hour, minute=minute)


@pytest.fixture
def history():
    """Five cases, their decisions, a merge, an escalation and four reports (see each)."""
    routing.ensure_default_queues()
    other, csam = Queue.objects.get(slug="other"), Queue.objects.get(slug="csam")
    reviewer = make_user("rosalind", roles.REVIEWER)
    lead = make_user("boss", roles.ESCALATION_LEAD)
    # A: waiting since before the range, its deadline passed before it too
    case(other, at(1, 10), at(1, 20))
    # B: deadline passed on Nov 2, closed by a verdict on Nov 3 after 24 h
    b = case(other, at(2, 6), at(2, 12), Case.Status.CLOSED)
    decision(b, reviewer, "not_csam", at(3, 6))
    # C: a CSAM verdict after 2 h returned, decided again and approved Nov 3 after 25 h
    c = case(other, at(2, 8), at(4, 8), Case.Status.APPROVED)
    decision(c, reviewer, "csam_confirmed", at(2, 10), returned_by=lead, returned_at=at(2, 12))
    decision(c, reviewer, "csam_confirmed", at(3, 8), approved_by=lead, approved_at=at(3, 9))
    # D: in the CSAM queue since Nov 3, deadline passed that day
    case(csam, at(3, 12), at(3, 18), Case.Status.IN_REVIEW)
    # E: merged away two hours after it opened: no breach, and not in the backlog after
    e = case(other, at(2, 1), at(2, 2), Case.Status.CLOSED)
    AuditEvent.objects.create(at=at(2, 3), actor="user:boss", action="case.merged",
                              target=f"case:{e.pk}", data={"merged_into": c.pk})  # fmt: skip
    escalation = Escalation.objects.create(case=c, target="ncmec", why="routed")
    Escalation.objects.filter(pk=escalation.pk).update(
        created_at=at(3, 9), submitted_at=at(3, 10, 30)
    )
    for name in ("Known-A", "Known-B"):
        HashList.objects.create(name=name)
    report(1, "user_report", "csam", at(2, 5), ["Known-A"])
    report(2, "classifier", "grooming", at(2, 7))
    report(3, "user_report", "csam", at(3, 11), ["Known-B"])
    report(4, "api", "other", at(1, 7))  # before the range


def figure_of(name: str) -> figures.Figure:
    window = ranges.parse_range(CUSTOM)
    return {f.name: f for f in figures.all_figures(window)}[name]


def test_backlog_walks_back_through_verdicts_returns_and_merges(history):
    backlog = figure_of("backlog")
    # at the end of Nov 2: A, B and C (returned to review); E merged away
    assert backlog.series["other"] == [3, 1, 1]
    assert backlog.series["csam"] == [0, 1, 1]
    assert backlog.series["csam-ai"] == [0, 0, 0]


def test_times_to_first_review_and_to_decision(history):
    first = figure_of("time_to_first_review")
    assert first.series == {"median": [120.0, 1440.0, None], "p95": [120.0, 1440.0, None]}
    decided = figure_of("time_to_decision")  # B after 1440 minutes, C approved after 1500
    assert decided.series == {"median": [None, 1470.0, None], "p95": [None, 1497.0, None]}


def test_breaches_approvals_returns_and_escalations(history):
    assert figure_of("deadline_breaches").series == {
        "csam": [0, 1, 0],
        "csam-ai": [0, 0, 0],
        "other": [1, 0, 0],
    }
    assert figure_of("approvals_and_returns").series == {
        "approved": [0, 1, 0],
        "returned": [1, 0, 0],
    }
    assert figure_of("escalations_by_target").series == {"ncmec": [0, 1, 0]}
    assert figure_of("time_to_submission").series == {
        "median": [None, 90.0, None],
        "p95": [None, 90.0, None],
    }


def test_intake_by_source_and_reason_and_match_rates(history):
    by_source = figure_of("intake_by_source").series
    assert by_source["user_report"] == [1, 1, 0]
    assert by_source["classifier"] == [1, 0, 0]
    assert by_source["api"] == [0, 0, 0]
    by_reason = figure_of("intake_by_reason").series
    assert by_reason["csam"] == [1, 1, 0] and by_reason["grooming"] == [1, 0, 0]
    assert figure_of("match_rates").series == {
        "Known-A": [50.0, 0.0, None],
        "Known-B": [0.0, 100.0, None],
    }


def test_each_figure_is_one_query_however_many_cases(history):
    window = ranges.parse_range(CUSTOM)
    with CaptureQueriesContext(connection) as few:
        figures.all_figures(window)
    other = Queue.objects.get(slug="other")
    for n in range(30):
        case(other, at(2, n % 24), at(3, 0))
    with CaptureQueriesContext(connection) as many:
        figures.all_figures(window)
    assert len(many) == len(few) <= 12


NOW = datetime(2026, 12, 7, 3, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "params,start,end,step",
    [
        ({}, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC), ranges.DAY),
        ({"range": "24h"}, NOW.replace(minute=0) - timedelta(hours=23),
         NOW.replace(minute=0) + timedelta(hours=1), ranges.HOUR),
        ({"range": "30d"}, datetime(2026, 11, 8, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC),
         ranges.DAY),
        ({"from": "2026-11-02", "to": "2026-11-03"}, at(2, 0), at(4, 0), ranges.HOUR),
        ({"from": "2026-11-02", "to": "2026-11-04"}, at(2, 0), at(5, 0), ranges.DAY),
        ({"from": "2025-12-07", "to": "2026-12-07"}, datetime(2025, 12, 7, tzinfo=UTC),
         datetime(2026, 12, 8, tzinfo=UTC), ranges.DAY),
    ],
)  # fmt: skip
def test_ranges_and_their_buckets(params, start, end, step):
    window = ranges.parse_range(params, now=NOW)
    assert (window.start, window.end, window.step) == (start, end, step)
    assert window.bucket_count == (end - start) / step
    assert ranges.parse_range(window.query(), now=NOW) == window
    assert window.last_day == (end - timedelta(microseconds=1)).date()


@pytest.mark.parametrize(
    "params,name",
    [
        ({"range": "1y"}, "range"),
        ({"range": "7d", "from": "2026-11-01", "to": "2026-11-02"}, "range"),
        ({"from": "2026-11-01"}, "to"),
        ({"to": "2026-11-01"}, "from"),
        ({"from": "yesterday", "to": "2026-11-01"}, "from"),
        ({"from": "2026-11-01", "to": "2026-13-01"}, "to"),
        ({"from": "2026-11-01", "to": "20261102"}, "to"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(params, name):
    client = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    for url in ("/stats/", "/stats/export.csv"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert response.content.decode().startswith(f"{name}:")
    assert not AuditEvent.objects.filter(action__startswith="stats.").exists()


def test_only_leads_and_admins_see_it_and_the_navigation_says_so():
    routing.ensure_default_queues()
    for role in (roles.REVIEWER, roles.AUDITOR):
        client = signed_in(make_user(f"u-{role}", role))
        assert client.get("/stats/").status_code == 403
        assert client.get("/stats/export.csv").status_code == 403
        assert 'href="/stats/"' not in client.get("/queues/").content.decode()
    for role in (roles.ESCALATION_LEAD, roles.ADMIN):
        client = signed_in(make_user(f"u-{role}", role))
        assert client.get("/stats/").status_code == 200
        assert 'href="/stats/"' in client.get("/queues/").content.decode()
    assert client.get("/stats/").headers["Cache-Control"] == "no-store"
    assert not AuditEvent.objects.filter(action="stats.viewed", actor="user:u-reviewer").exists()


def test_the_page_shows_every_chart_with_its_table_and_is_audited(history):
    client = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    response = client.get("/stats/", CUSTOM)
    page = response.content.decode()
    names = [c.figure.name for c in response.context["charts"]]
    assert len(names) == 10
    for name in names:
        assert f'id="{name}"' in page and f'data-figure="{name}"' in page
    assert page.count('<svg class="chart"') == 10 and page.count('role="img"') == 10
    assert "style=" not in page and "<script>" not in page
    assert "<title>2026-11-03 · ncmec: 1 escalations</title>" in page
    assert (
        '<tr><th scope="row" class="nowrap">2026-11-02</th><td>0</td><td>0</td><td>3</td>' in page
    )
    assert 'href="/stats/export.csv?from=2026-11-02&amp;to=2026-11-04"' in page
    assert 'name="from" type="date" value="2026-11-02"' in page
    assert 'name="to" type="date" value="2026-11-04"' in page
    assert "No per-reviewer figures" in page and "rosalind" not in page
    event = AuditEvent.objects.get(action="stats.viewed")
    assert (event.actor, event.target) == ("user:lead", "stats")
    assert event.data["from"] == "2026-11-02" and event.data["to"] == "2026-11-04"
    assert event.data["start"] == "2026-11-02T00:00:00+00:00"


def test_the_csv_export_holds_every_figure_bucket_and_series_and_is_audited(history):
    client = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    response = client.get("/stats/export.csv", CUSTOM)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="casework-metrics-20261102T0000-20261105T0000.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["figure", "bucket", "series", "value"]
    assert ["backlog", "2026-11-02T00:00:00+00:00", "other", "3"] in rows
    assert ["time_to_decision", "2026-11-03T00:00:00+00:00", "p95", "1497.0"] in rows
    assert ["time_to_decision", "2026-11-02T00:00:00+00:00", "p95", ""] in rows
    assert ["match_rates", "2026-11-02T00:00:00+00:00", "Known-A", "50.0"] in rows
    window = ranges.parse_range(CUSTOM)
    expected = sum(len(f.series) * len(f.buckets) for f in figures.all_figures(window))
    assert len(rows) == 1 + expected
    event = AuditEvent.objects.get(action="stats.exported")
    assert event.actor == "user:lead" and event.data["to"] == "2026-11-04"
    assert not AuditEvent.objects.filter(action="stats.viewed").exists()


def test_charts_escape_names_split_lines_at_gaps_and_read_in_round_numbers():
    from casework.stats import svg

    assert [svg.nice_ceiling(v) for v in (0, 0.3, 1, 7, 12, 23, 180, 1497)] == [
        1, 0.5, 1, 10, 20, 25, 200, 2000,
    ]  # fmt: skip
    window = ranges.parse_range(CUSTOM)
    lines = figures.Figure("x", "X", "% of media", figures.LINES, window.buckets,
                           {"<b>&list": [10.0, None, 30.0]})  # fmt: skip
    drawn = svg.chart(lines, hourly=False)
    assert "<b>" not in drawn and "&lt;b&gt;&amp;list: 30 % of media" in drawn
    assert drawn.count("<polyline") == 2 and drawn.count("<circle") == 2
    bars = figures.Figure("y", "Y", "cases", figures.BARS, window.buckets,
                          {"a": [1, 0, 2], "b": [3, 0, 0]})  # fmt: skip
    drawn = svg.chart(bars, hourly=False)
    assert drawn.count("<rect") == 3 and 'aria-label="Y, cases per day"' in drawn
    assert ">5</text>" in drawn  # the stacked peak, 1 + 3, rounded up: the axis top
    empty = figures.Figure("z", "Z", "cases", figures.BARS, window.buckets, {"a": [0, 0, 0]})
    assert "Nothing in this range" in svg.chart(empty, hourly=False)
