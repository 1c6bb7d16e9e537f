"""Admins' and auditors' pages as they see them: the admin fits the window, tokens are made
there, the audit log reads as names and values."""

from __future__ import annotations

from casework import roles
from tests.e2e.browser import screenshot, sign_in
from tests.helpers import make_user


def test_a_reports_admin_page_fits_a_laptop_window(open_tab, seeded_case):
    _, media, _ = seeded_case
    admin = make_user("e2e-admin", roles.ADMIN)
    tab = open_tab()
    tab.page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, admin)
    tab.page.goto(f"/admin/reports/report/{media.report_id}/change/")
    tab.page.wait_for_selector("img[alt^='Blurred preview']")
    screenshot(tab, "admin-report-1366")
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, f"the admin's report page is {width} px wide in a 1366 px window"
    tab.assert_no_errors()


def test_an_admin_makes_an_intake_token_in_the_admin(open_tab, transactional_db):
    admin = make_user("e2e-token-admin", roles.ADMIN)
    tab = open_tab()
    sign_in(tab, admin)
    tab.page.goto("/admin/reports/intaketoken/")
    tab.page.click(".object-tools a.addlink")
    screenshot(tab, "admin-intake-token-new")
    tab.page.fill("input[name=platform]", "photos-app")
    with tab.page.expect_navigation():
        tab.page.click("input[type=submit]")
    token = tab.page.input_value("#token")
    assert token.startswith("cwk_")
    screenshot(tab, "admin-intake-token-made")
    tab.page.goto("/admin/reports/intaketoken/")
    assert "photos-app" in tab.page.inner_text("#result_list")
    assert token not in tab.page.content()
    tab.assert_no_errors()


def test_the_audit_log_reads_as_names_and_values(open_tab, seeded_case):
    from casework import audit
    from tests.e2e.browser import assert_accessible

    case, _, _ = seeded_case
    audit.record(
        "case.decided",
        actor="user:someone",
        target=f"case:{case.pk}",
        data={"verdict": "not_csam", "media_ids": [1, 2], "labels": {"1": {"iwf": "A"}}},
    )
    tab = open_tab()
    sign_in(tab, make_user("e2e-auditor", roles.AUDITOR))
    tab.page.goto("/audit/")
    screenshot(tab, "audit-log")
    assert "media ids\n1, 2" in tab.page.inner_text("table.grid")
    assert_accessible(tab, "the audit log")
    tab.assert_no_errors()
