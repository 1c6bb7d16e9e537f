"""Where the evidence package lives, in a real browser: the escalation lead's section on an
approved case's page, at 1366 px and 390 px (axe-core finds nothing), the download that
verifies, and the public key on the admin's index. Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import filing
from casework.evidence_package import keys, verify
from tests.e2e.browser import axe_run, format_violations, screenshot, screenshot_of, sign_in
from tests.helpers import make_user, stored_image
from tests.hotlines.escalations import approve, us_account

SECTION = "#evidence-package"


@pytest.fixture(autouse=True)
def _own_signing_key(settings, tmp_path):
    settings.EVIDENCE_SIGNING_KEY = ""
    settings.EVIDENCE_SIGNING_KEY_FILE = tmp_path / "evidence-signing.key"


@pytest.fixture
def approved(transactional_db):
    media, _ = stored_image(61, "ext-61", **us_account(61))
    case = filing.file_report(media.report_id)
    approve(case, 61, approval={"targets": [], "reason": "reported by the platform itself"})
    return case


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_lead_downloads_the_package_from_the_case_page(open_tab, approved, tmp_path):
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, make_user("e2e-lead", roles.ESCALATION_LEAD))
    page.goto(f"/cases/{approved.pk}/")
    page.locator(SECTION).scroll_into_view_if_needed()
    assert keys.fingerprint() in page.inner_text(SECTION)
    screenshot_of(tab, SECTION, "evidence-package-1366")
    screenshot(tab, "evidence-package-case-1366")
    assert_no_violations(tab, "the case page with the evidence package")

    with page.expect_download() as download:
        page.click(f"{SECTION} button[type=submit]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith(f"case-{approved.pk}-evidence-") and path.suffix == ".zip"
    assert verify.verify(path, keys.public_key()).problems == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(SECTION).scroll_into_view_if_needed()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the case page is {width} px wide at 390 px"
    screenshot_of(tab, SECTION, "evidence-package-390")
    assert_no_violations(tab, "the case page with the evidence package at 390 px")
    tab.assert_no_errors()


def test_the_admin_index_shows_the_public_key(open_tab, transactional_db):
    tab = open_tab()
    tab.page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, make_user("e2e-key-admin", roles.ADMIN))
    tab.page.goto("/admin/")
    text = tab.page.inner_text("#evidence-signing-key")
    assert keys.fingerprint() in text and "BEGIN PUBLIC KEY" in text
    screenshot(tab, "admin-evidence-key-1366")
    assert_no_violations(tab, "the admin index with the public key")
    tab.page.set_viewport_size({"width": 390, "height": 844})
    box = tab.page.locator("#evidence-signing-key pre").bounding_box()
    assert box["x"] + box["width"] <= 390, "the public key runs off a 390 px screen"
    screenshot_of(tab, "#evidence-signing-key", "admin-evidence-key-390")
    tab.assert_no_errors()
