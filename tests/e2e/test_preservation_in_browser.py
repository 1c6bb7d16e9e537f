"""The case page's preservation panel in Chromium: an admin places a legal hold with a reason,
and the panel shows it beside each file's keeping (a purged file, a preserved one), at 1366
and 390 px without sideways scrolling, axe-core clean. Screenshots go to
/tmp/shots-preservation/ (outside the repository)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import roles
from casework.cases import claims, decisions, filing
from casework.models import AuditEvent
from reports import api
from reports.models import Media
from tests.e2e.browser import assert_accessible, format_violations, sign_in
from tests.helpers import make_user, stored_image

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "shots-preservation"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map((e) => `${e.tagName}.${e.className}#${e.id}`).slice(0, 15)"""


@pytest.fixture
def settled_case(transactional_db):
    """A closed case of two reports of one picture: one file purged, the other preserved."""
    first, _ = stored_image(61, "ext-61")
    case = filing.file_report(first.report_id)
    second, _ = stored_image(61, "ext-61-b")
    assert filing.file_report(second.report_id).pk == case.pk
    reviewer = make_user("closer", roles.REVIEWER)
    claims.claim_case(case_id=case.pk, user=reviewer)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="not_csam")
    api.delete_purged_bytes(api.mark_media_purged([first.pk], now=timezone.now()))
    Media.objects.filter(pk=second.pk).update(
        preserved_until=timezone.now() + timedelta(days=365),
        preserved_reason="In NCMEC report 1234, submitted 2026-12-07: 18 U.S.C. 2258A(h)",
    )
    return case


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_an_admin_places_a_hold_and_the_panel_shows_the_keeping(
    settled_case, open_tab, width, height
):
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, make_user(f"adm-{width}", roles.ADMIN))
    page.goto(f"/cases/{settled_case.pk}/")
    panel = page.locator("section#preservation")
    expect(panel.get_by_text("Purged", exact=True)).to_be_visible()
    expect(panel.get_by_text("Preserved", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / f"panel-before-{width}.png"))

    page.fill("#hold-reason", "Preservation request from the county prosecutor, ref. 2026-118")
    with page.expect_navigation():
        panel.get_by_role("button", name="Place legal hold").click()
    expect(panel.get_by_text("Under legal hold")).to_be_visible()
    expect(panel.get_by_text("ref. 2026-118").first).to_be_visible()
    expect(panel.get_by_text("Preserved at least until")).to_be_visible()
    assert AuditEvent.objects.filter(action="legal_hold.placed").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"page-{width}.png"), full_page=True)
    wide = page.evaluate(TOO_WIDE)
    assert page.evaluate(OVERFLOW) <= 0, wide

    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / f"panel-{width}.png"))
    page.screenshot(path=str(SHOTS / f"page-{width}.png"), full_page=True)
    violations = assert_accessible(tab, f"the case page with a hold at {width} px")["violations"]
    assert not violations, format_violations(violations)
    tab.assert_no_errors()
