"""Single sign-on as a person does it in Chromium: "Sign in with" on Casework's sign-in page,
the test provider's own sign-in page (a real OIDC provider in its own process), and back to
the queues."""

from __future__ import annotations

import pytest

from casework import roles
from casework.models import AuditEvent, OidcIdentity
from tests.e2e.browser import axe_run, format_violations, screenshot
from tests.oidc_helpers import configure, running_provider


@pytest.fixture
def provider(live_server, settings):
    with running_provider(f"{live_server.url}/accounts/oidc/callback") as running:
        configure(settings, running.issuer)
        yield running


def test_a_reviewer_signs_in_with_the_provider(open_tab, provider):
    tab = open_tab()
    page = tab.page
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/accounts/login/")
        screenshot(tab, f"oidc-login-{width}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the sign-in page is {scroll} px wide in a {width} px window"
    found = axe_run(tab)
    assert not found["violations"], format_violations(found["violations"])

    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with Test IdP").click()
    assert page.url.startswith(provider.issuer + "/authorize")
    page.fill("#sub", "browser-person")
    page.fill("#groups", "t&s")
    page.fill("#amr", "pwd")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_url("**/queues/")
    screenshot(tab, "oidc-landed-390")
    assert "browser-person" in page.inner_text("header")

    identity = OidcIdentity.objects.select_related("user").get(subject="browser-person")
    assert roles.has_role(identity.user, roles.REVIEWER)
    assert AuditEvent.objects.filter(action="login.oidc", target="user:browser-person").exists()
    tab.assert_no_errors()


def test_a_person_in_no_mapped_group_is_refused_with_a_page_that_says_why(open_tab, provider):
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with Test IdP").click()
    page.fill("#sub", "outsider")
    page.fill("#groups", "marketing")
    page.fill("#amr", "pwd")
    with page.expect_response(lambda r: "/accounts/oidc/callback" in r.url) as answered:
        page.get_by_role("button", name="Sign in at the provider").click()
    assert answered.value.status == 403
    assert "in no group that Casework gives a role to" in page.inner_text("main")
    screenshot(tab, "oidc-refused-390")
    found = axe_run(tab)
    assert not found["violations"], format_violations(found["violations"])
    assert not OidcIdentity.objects.filter(subject="outsider").exists()
    assert AuditEvent.objects.filter(action="login.oidc_failed").exists()
