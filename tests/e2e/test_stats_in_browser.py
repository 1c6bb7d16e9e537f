"""The metrics page in Chromium: a lead opens it from the navigation, switches to 24 hours
and to a custom range; the charts draw (bars and lines, with tooltips) under the strict
CSP, each with its table; axe-core finds no violation at all. Screenshots at 1366 px and
390 px wide go to var/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import roles
from casework.cases import routing
from casework.models import Case, Queue
from reports.models import HashList
from tests.casework.stats_builders import case, decision, report
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def seed() -> None:
    """A week of synthetic work: cases opened and decided in every queue, and reports."""
    routing.ensure_default_queues()
    queues = list(Queue.objects.all())
    reviewer = make_user("rhea", roles.REVIEWER)
    HashList.objects.create(name="Known-A")
    now = timezone.now()
    for n in range(60):
        opened = now - timedelta(hours=3 * n + 1)
        status = Case.Status.NEW if n % 4 == 0 else Case.Status.CLOSED
        made = case(queues[n % len(queues)], opened, opened + timedelta(hours=5 + n % 9), status)
        if status == Case.Status.CLOSED:
            decision(made, reviewer, "not_csam", opened + timedelta(minutes=20 + 9 * (n % 13)))
        source = ("user_report", "classifier", "hash_match")[n % 3]
        report(n, source, ("csam", "grooming", "other")[n % 2], opened, ["Known-A"] * (n % 4 == 0))


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_lead_opens_the_metrics_and_switches_range(open_tab, transactional_db):
    seed()
    lead = make_user("lena", roles.ESCALATION_LEAD)
    tab = open_tab()
    sign_in(tab, lead)
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Metrics").click()
    expect(page.get_by_role("heading", name="Metrics", exact=True)).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(10)
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    intake = page.locator("#intake_by_source svg rect")
    assert intake.count() > 7
    assert "reports" in intake.first.locator("title").text_content()
    expect(page.locator("#backlog svg polyline").first).to_be_visible()
    box = page.locator("#backlog svg").bounding_box()
    assert box and box["width"] > 400 and box["height"] > 150
    expect(page.get_by_text("No per-reviewer figures")).to_be_visible()
    assert_no_violations(tab, "the metrics page")
    screenshot(tab, "stats-7d-1366")

    page.get_by_role("link", name="24 hours").click()
    assert "range=24h" in page.url
    expect(page.get_by_role("link", name="24 hours")).to_have_attribute("aria-current", "page")
    backlog_table = page.locator("#backlog table")
    page.locator("#backlog summary").click()
    expect(backlog_table).to_be_visible()
    expect(backlog_table.locator("thead th").first).to_have_text("Hour")
    expect(backlog_table.locator("tbody tr")).to_have_count(24)
    export = page.get_by_role("link", name="Export CSV")
    assert export.get_attribute("href") == "/stats/export.csv?range=24h"
    assert_no_violations(tab, "the metrics page, 24 hours, a table open")

    today = timezone.localdate()
    page.get_by_label("From").fill((today - timedelta(days=9)).isoformat())
    page.get_by_label("to", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    assert "from=" in page.url and "to=" in page.url
    expect(page.locator("#intake_by_reason table tbody tr")).to_have_count(10)
    expect(page.locator("svg.chart")).to_have_count(10)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="7 days").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
    page.locator("#time_to_first_review summary").click()
    expect(page.locator("#time_to_first_review table")).to_be_visible()
    assert_no_violations(tab, "the metrics page at 390 px")
    screenshot(tab, "stats-7d-390")
    tab.assert_no_errors()
