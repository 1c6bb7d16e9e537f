"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's
live server (a real HTTP server thread over the test database).

Nothing here skips. A missing Chromium or a missing axe-core fails with the step that installs
it: `python3 dev.py test` installs Debian's chromium (as root) and runs `npm ci` for axe-core.
Playwright never downloads a browser of its own: it launches /usr/bin/chromium.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connections
from playwright.sync_api import Browser, sync_playwright

from casework.cases import filing
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Tab, require_chromium
from tests.helpers import stored_image


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch) -> Iterator[Browser]:
    """Chromium for one test. Started after the live server and the database and stopped
    before them, so the database flush at teardown runs with Playwright gone."""
    require_chromium()
    # Playwright's sync API keeps its own asyncio loop marked as running on this thread, so
    # Django would refuse every ORM call in the test body ("You cannot call this from an async
    # context"). That loop only ever waits on the browser; the ORM calls here are plain
    # synchronous code. Allowed for this test only: monkeypatch restores it at teardown.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            # While that loop runs, Django keeps this thread's connections apart from the
            # ones it had before (asgiref's Local follows the running loop): close them now,
            # or PostgreSQL still has a session open when the test database is dropped.
            connections.close_all()
            chromium.close()


@pytest.fixture
def open_tab(browser, live_server) -> Callable[[], Tab]:
    """A new browser context per person (two people never share cookies)."""

    def open_() -> Tab:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        tab = Tab(context.new_page())

        def on_console(message) -> None:
            if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"
            ):
                tab.errors.append(f"console: {message.text} ({message.location.get('url')})")

        tab.page.on("console", on_console)
        tab.page.on("pageerror", lambda error: tab.errors.append(f"page error: {error}"))
        return tab

    return open_


@pytest.fixture
def seeded_case(transactional_db):
    """One processed synthetic image with a stored preview, filed into a case (as in
    tests/casework/test_review_flow.py); returns (case, media, original bytes)."""
    media, data = stored_image(
        41,
        "ext-41",
        description="synthetic test report",
        uploader={"id": "acct-41", "ip_events": [{"ip": "192.0.2.41", "type": "upload"}]},
    )
    case = filing.file_report(media.report_id)  # also creates the default queues after a flush
    return case, media, data
