"""Wellbeing in Chromium: the break prompt after an hour of CSAM review (put off with "Not
now"), the daily cap's refusal on claiming, the exposure page with its 4-week charts, the
support page, and the lease countdown on the case page. axe-core finds no violation;
screenshots at 1366 and 390 px go to var/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, Queue, ReviewLimits, SupportResource
from casework.wellbeing import activity
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user, stored_image

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def an_hour_of_review(user) -> None:
    queue = Queue.objects.get(slug="csam")
    at = timezone.now() - dt.timedelta(minutes=62)
    for _ in range(60):
        at += dt.timedelta(seconds=60)
        activity.count_heartbeat(user, queue, now=at)


def test_break_prompt_cap_exposure_and_support_pages(open_tab, transactional_db):
    media, _ = stored_image(81, "ext-81")
    case = filing.file_report(media.report_id)
    reviewer = make_user("rev", roles.REVIEWER)
    an_hour_of_review(reviewer)
    SupportResource.objects.create(
        name="Staff counselling", description="Confidential, any time.", contact="0800 000 000"
    )
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)

    prompt = page.get_by_role("region", name="Time for a break")
    expect(prompt).to_contain_text("60 minutes on CSAM review since your last break")
    assert_no_violations(tab, "the queues page with the break prompt")
    screenshot(tab, "wellbeing-break-prompt-1366")
    with page.expect_navigation():
        prompt.get_by_role("button", name="Not now").click()
    expect(page.get_by_role("region", name="Time for a break")).to_have_count(0)
    assert AuditEvent.objects.filter(action="wellbeing.break_dismissed").count() == 1

    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.keyboard.press("n")
    expect(page.locator(".lease-left")).to_contain_text("more, kept while you are active")
    screenshot(tab, "wellbeing-lease-countdown-1366", full_page=False)
    with page.expect_navigation():
        page.get_by_role("button", name="Release to queue").click()

    ReviewLimits.objects.create(user=None, daily_cap_minutes=45)
    page.goto("/queues/")
    expect(page.get_by_role("status").filter(has_text="Today's limit reached")).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("n")
    expect(page.get_by_text("limit of 45 minutes of CSAM review").first).to_be_visible()
    assert_no_violations(tab, "the queues page with the cap reached")
    screenshot(tab, "wellbeing-cap-1366")

    page.get_by_role("link", name="My exposure").click()
    expect(page.get_by_role("heading", name="My exposure")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)
    assert_no_violations(tab, "the exposure page")
    screenshot(tab, "wellbeing-exposure-1366")

    page.get_by_role("link", name="Support").first.click()
    expect(page.get_by_role("heading", name="Staff counselling")).to_be_visible()
    assert_no_violations(tab, "the support page")

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/wellbeing/", "/resources/", "/queues/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(tab, "wellbeing-390-" + path.strip("/"))
        assert width <= 390, f"{path} is {width} px wide in a 390 px window"
        assert_no_violations(tab, f"{path} at 390 px")
    page.goto("/wellbeing/")
    screenshot(tab, "wellbeing-exposure-390")
    tab.assert_no_errors()
