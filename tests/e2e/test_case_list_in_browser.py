"""A queue's case list in Chromium: a lead filters and pages through it, a reviewer opens a
case from it and claims it with `c`. axe-core finds no violation at all; screenshots at
1366 px and 390 px wide go to var/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import roles
from casework.cases import case_list, routing
from casework.models import Case, Queue
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

REASONS = [
    {"kind": "list_match", "list": "Known-B", "distance": 12},
    {"kind": "classifier", "score": 0.93},
    {"kind": "reports", "count": 3},
]


def seed(queue: Queue, holder) -> None:
    now = timezone.now()
    for n in range(case_list.PAGE_SIZE + 12):
        matched = n % 5 == 0
        Case.objects.create(
            queue=queue,
            priority=5_933 if matched else 930,
            priority_reasons=REASONS if matched else REASONS[1:],
            deadline_at=now + timedelta(hours=-2 if n % 7 == 0 else 40),
            source="classifier" if n % 2 else "user_report",
            reason="other",
            jurisdiction="US",
            matched=matched,
            matched_lists=["Known-B"] if matched else [],
            holder=holder if n == 3 else None,
            lease_expires_at=now + timedelta(minutes=20) if n == 3 else None,
            status=Case.Status.IN_REVIEW if n == 3 else Case.Status.NEW,
        )


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_lead_filters_and_pages_and_a_reviewer_claims_with_c(open_tab, transactional_db):
    routing.ensure_default_queues()
    queue = Queue.objects.get(slug="other")
    reviewer = make_user("rita", roles.REVIEWER)
    seed(queue, make_user("hana", roles.REVIEWER))
    lead = make_user("lena", roles.ESCALATION_LEAD)

    tab = open_tab()
    sign_in(tab, lead)
    page = tab.page
    page.get_by_role("link", name="Other").click()
    expect(page.get_by_role("heading", name="Other cases")).to_be_visible()
    rows = page.locator("table.case-list tbody tr")
    expect(rows).to_have_count(case_list.PAGE_SIZE)
    expect(page.get_by_text("list Known-B matched at distance 12").first).to_be_visible()
    expect(page.locator("td", has_text="hana")).to_have_count(1)
    page.set_viewport_size({"width": 1366, "height": 900})
    assert_no_violations(tab, "the case list")
    screenshot(tab, "case-list-1366")

    page.get_by_label("Matched a list").check()
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(13)
    assert "matched=1" in page.url
    expect(page.get_by_role("status")).to_have_text("13 cases")
    page.get_by_label("Matched a list").uncheck()
    page.get_by_role("button", name="Apply").click()

    page.get_by_role("link", name="Next page").click()
    assert "after=" in page.url
    expect(rows).to_have_count(12)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    assert_no_violations(tab, "the second page of the case list")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/queues/{queue.slug}/")
    assert_no_violations(tab, "the case list at 390 px")
    screenshot(tab, "case-list-390")
    tab.assert_no_errors()

    reviewer_tab = open_tab()
    sign_in(reviewer_tab, reviewer)
    rpage = reviewer_tab.page
    rpage.goto(f"/queues/{queue.slug}/")
    expect(rpage.get_by_role("columnheader", name="Held by")).to_have_count(0)
    first = rpage.locator("table.case-list tbody tr th a").first
    case_id = int(first.get_attribute("href").strip("/").split("/")[-1])
    first.click()
    expect(rpage.locator("button[data-shortcut=c]")).to_be_visible()
    # The key handler comes with a deferred script: a key pressed before it has run is lost.
    rpage.wait_for_load_state("load")
    with rpage.expect_navigation():
        rpage.keyboard.press("c")
    expect(rpage.get_by_text(f"You hold case {case_id} now.")).to_be_visible()
    assert Case.objects.get(pk=case_id).holder_id == reviewer.pk
    reviewer_tab.assert_no_errors()
