"""A manual channel in a real browser: the lead opens the IWF referral from the case, copies
a field with its button (the clipboard holds exactly the value), records the hotline's
reference, and the case shows the finished referral. Screenshots at 1366 and 390 px; axe-core
finds nothing at either width."""

from __future__ import annotations

from playwright.sync_api import expect

from casework import roles
from casework.escalation.models import Escalation
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user
from tests.hotlines.manual_cases import URL, approved_manual_case

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_lead_copies_the_referral_and_records_the_reference(open_tab, transactional_db):
    case = approved_manual_case(71)
    iwf = Escalation.objects.get(case=case, target="iwf")
    lead = make_user("lena", roles.ESCALATION_LEAD)
    tab = open_tab()
    page = tab.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(tab, lead)

    page.goto(f"/cases/{case.pk}/")
    page.get_by_role(
        "link", name="Open the referral and record the hotline's reference"
    ).first.click()
    page.wait_for_url(f"**/escalations/{iwf.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("IWF (by hand): referral for")
    expect(page.locator("#field-urls")).to_have_text(URL)
    expect(page.locator("#field-category")).to_contain_text(": A")

    page.get_by_role("button", name="Copy URL where the content is publicly reachable").click()
    expect(page.locator("#status-urls")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == URL

    screenshot(tab, "manual-channel-1366")
    assert_no_violations(tab, "the referral at 1366 px")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(OVERFLOW) <= 0, "the referral scrolls sideways at 390 px"
    screenshot(tab, "manual-channel-390")
    assert_no_violations(tab, "the referral at 390 px")

    page.get_by_label("Reference the hotline gave").fill("IWF-2026-0042")
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.get_by_role("button", name="Record the reference").click()
    expect(page.get_by_text("Reference IWF-2026-0042 recorded")).to_be_visible()
    expect(page.locator("section#escalations")).to_contain_text(
        "IWF · Finished · report IWF-2026-0042"
    )
    iwf.refresh_from_db()
    assert (iwf.state, iwf.hotline_id) == ("finished", "IWF-2026-0042")
    tab.assert_no_errors()
