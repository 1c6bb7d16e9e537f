"""Showing a media item's metadata on the case page: headings, readable names, recorded."""

from __future__ import annotations

from playwright.sync_api import expect

from casework import roles
from casework.models import AuditEvent
from tests.e2e.browser import assert_accessible, screenshot_of, sign_in
from tests.e2e.test_review_in_browser import claim_with_n
from tests.helpers import make_user


def test_metadata_shows_under_headings_and_is_recorded(seeded_case, open_tab):
    case, media, _ = seeded_case
    tab = open_tab()
    sign_in(tab, make_user("meta-rev", roles.REVIEWER))
    claim_with_n(tab, case.pk)
    card = tab.page.locator(f'.media-card[data-media="{media.pk}"]')
    card.get_by_role("button", name="Show metadata").click()
    shown = card.locator("div.metadata")
    expect(shown.locator("h3").first).to_be_visible()
    assert "Other" in shown.locator("h3").all_inner_texts()
    assert "Jfif version" in shown.inner_text()
    screenshot_of(tab, f'.media-card[data-media="{media.pk}"]', "case-metadata")
    assert AuditEvent.objects.filter(action="media.metadata_viewed").count() == 1
    assert_accessible(tab, "the case page with metadata shown")
    tab.assert_no_errors()
