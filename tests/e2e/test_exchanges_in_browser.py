"""The hash exchanges' admin page as an admin sees it: progress and the last error readable
at laptop and phone widths, credentials only as set or not."""

from __future__ import annotations

from django.utils import timezone

from casework import roles
from reports.exchanges.models import Exchange
from reports.models import HashList
from tests.e2e.browser import assert_accessible, screenshot, sign_in
from tests.helpers import make_user


def test_the_exchanges_admin_shows_progress_and_errors(open_tab, transactional_db):
    hash_list = HashList.objects.create(name="ncmec-genai", source="ncmec")
    now = timezone.now()
    Exchange.objects.create(
        name="ncmec-genai",
        kind="ncmec",
        environment="NGO_Generative_AI",
        hash_list=hash_list,
        state="failed",
        fetched_count=20,
        pages_count=2,
        last_page_at=now,
        last_fetch_at=now,
        last_error="HTTPError: 401 Client Error: Unauthorized for url: http://127.0.0.1/v2/entries",
    )
    tab = open_tab()
    sign_in(tab, make_user("e2e-exchange-admin", roles.ADMIN))
    for width in (1366, 390):
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.goto("/admin/reports/exchange/")
        assert "401 Client Error" in tab.page.inner_text("#result_list")
        width_used = tab.page.evaluate("document.querySelector('#changelist .results').scrollWidth")
        assert width != 1366 or width_used <= tab.page.evaluate(
            "document.querySelector('#changelist .results').clientWidth"
        ), "the list scrolls sideways at 1366 px"
        screenshot(tab, f"admin-exchanges-{width}")
        tab.page.click("#result_list a:text('ncmec-genai')")
        tab.page.wait_for_url("**/exchange/*/change/")  # the click only starts the navigation
        text = tab.page.inner_text("#content")
        assert "EXCHANGE_NCMEC_GENAI_PASSWORD NOT SET" in text and "Failed" in text
        screenshot(tab, f"admin-exchange-{width}")
    tab.assert_no_errors()
    # The page logged nothing; axe's own run here logs the CSP refusing inline styles it
    # tries to set, which are not the page's, so the errors are checked before it runs.
    found = assert_accessible(tab, "an exchange's admin page")
    assert not found["violations"], found["violations"]
