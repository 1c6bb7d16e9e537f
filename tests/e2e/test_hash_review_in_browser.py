"""The leads' hash-list review in Chromium: a flooded entry and one reviewers kept deciding
not CSAM are listed with their counts and reasons; a lead confirms one and disables the
other. axe-core finds no violation at 1366 px or 390 px; screenshots go to
var/screenshots/."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import roles
from casework.models import AuditEvent
from reports.models import HashEntry, HashList, MediaMatch
from tests.casework.test_cases import make_report
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def quarantined(list_name: str, value: str, reason: str, matches: int, not_csam: int = 0):
    hash_list = HashList.objects.create(name=list_name, source="ncmec", default_category="A1")
    entry = HashEntry.objects.create(
        hash_list=hash_list,
        kind="sha256",
        value=value,
        state=HashEntry.State.QUARANTINED,
        quarantined_at=timezone.now(),
        quarantine_reason=reason,
        not_csam_count=not_csam,
    )
    for n in range(matches):
        report = make_report(len(value) * 1000 + ord(value[0]) * 100 + n, sha256s=[value])
        MediaMatch.objects.create(media=report.media.get(), entry=entry)
    return entry


def test_a_lead_confirms_and_disables_quarantined_entries(open_tab):
    flooded = quarantined("NCMEC", "a" * 64, "flood: 50 matches within 60 min", 6)
    doubted = quarantined("Tech Coalition", "b" * 64, "repeatedly decided not CSAM", 3, 3)
    tab = open_tab()
    page = tab.page
    sign_in(tab, make_user("lead", roles.ESCALATION_LEAD))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Hash review").click()
    page.wait_for_url("**/hashlists/review/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("flood: 50 matches within 60 min")
    expect(rows.nth(0)).to_contain_text("6 (6 recent)")
    expect(rows.nth(1)).to_contain_text("repeatedly decided not CSAM")
    assert_no_violations(tab, "the hash-list review at 1366 px")
    screenshot(tab, "hash-review-01-list-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert_no_violations(tab, "the hash-list review at 390 px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls
    screenshot(tab, "hash-review-02-list-390")

    page.set_viewport_size({"width": 1366, "height": 900})
    rows.nth(0).get_by_label(f"Reason (optional) for entry {flooded.pk}").fill("known series")
    with page.expect_navigation(url="**/hashlists/review/"):
        rows.nth(0).get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text(f"Entry {flooded.pk} confirmed")
    expect(rows).to_have_count(1)
    with page.expect_navigation(url="**/hashlists/review/"):
        rows.nth(0).get_by_role("button", name="Disable").click()
    expect(page.locator(".messages")).to_contain_text(f"Entry {doubted.pk} disabled")
    expect(page.locator("main")).to_contain_text("No entry is in review.")
    assert_no_violations(tab, "the hash-list review once reviewed")
    screenshot(tab, "hash-review-03-reviewed-1366")
    confirmed = AuditEvent.objects.get(action="hash_entry.confirmed")
    assert confirmed.data["reason"] == "known series" and confirmed.actor == "user:lead"
    assert AuditEvent.objects.filter(action="hash_entry.disabled").count() == 1
