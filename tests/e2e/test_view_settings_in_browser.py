"""A reviewer's view settings in Chromium: opened from the navigation, the preview size
changed and saved, the message shown and the new size in force; axe-core finds no violation
at all. Screenshots at 1366 px and 390 px wide go to var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.models import ViewSettings
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_reviewer_changes_the_preview_size(open_tab, transactional_db):
    reviewer = make_user("rhea", roles.REVIEWER)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)
    page.get_by_role("link", name="View settings").click()
    expect(page.get_by_role("heading", name="My view settings")).to_be_visible()
    assert_no_violations(tab, "the view settings page")

    page.get_by_label("Preview size").select_option("512")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Your view settings are saved.")
    expect(page.get_by_label("Preview size")).to_have_value("512")
    expect(page.locator(".view-settings-now")).to_contain_text("512 px")
    assert ViewSettings.objects.get(user=reviewer).preview_size == 512
    assert_no_violations(tab, "the view settings page after saving")
    screenshot(tab, "view-settings-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the view settings page is {width} px wide in a 390 px window"
    assert_no_violations(tab, "the view settings page at 390 px")
    screenshot(tab, "view-settings-390")
    tab.assert_no_errors()
