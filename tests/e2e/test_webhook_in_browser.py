"""A webhook event the receiver refuses, in Chromium: the leads' banner on every page, the
hotline dashboard's webhook section with the problem, and a lead's Retry that sends it again
once the key is put right. axe-core finds no violation at 1366 px or 390 px; screenshots go
to var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.celery import app
from casework.escalation import webhook_outbox
from casework.escalation.webhook_models import WebhookDelivery
from casework.hotlines.webhook.sandbox import WebhookSandbox
from casework.models import AuditEvent
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user
from tests.hotlines.webhooks import KEY_ID, SECRET, reviewed_case

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "webhook-e2e-unconsumed"  # the retry's message: delivered by the test itself


@pytest.fixture
def receiver(settings) -> Iterator[WebhookSandbox]:
    server = WebhookSandbox(key_id=KEY_ID, secret=SECRET).start()
    settings.WEBHOOK_URL = server.url
    settings.WEBHOOK_KEY_ID = KEY_ID
    settings.WEBHOOK_SECRET = "not-the-receivers-secret-0123456789"
    settings.ESCALATION_QUEUE = QUEUE
    yield server
    server.stop()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


def test_a_refused_webhook_event_needs_attention_until_a_lead_retries_it(
    receiver, settings, open_tab
):
    case = reviewed_case(71)
    delivery = WebhookDelivery.objects.get(case=case)
    assert webhook_outbox.deliver(delivery.pk) == "needs_attention"
    lead = make_user("lead", roles.ESCALATION_LEAD)
    tab = open_tab()
    page = tab.page
    sign_in(tab, lead)
    banner = page.locator(".banner[role=alert]")
    expect(banner).to_contain_text("1 webhook event needs attention")
    expect(banner.get_by_role("link")).to_have_attribute("href", "/escalations/#webhook")

    banner.get_by_role("link").click()
    page.wait_for_url("**/escalations/#webhook")
    section = page.locator("section#webhook")
    row = section.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text(f"Case {case.pk}")
    expect(row).to_contain_text("verdict.recorded")
    expect(row).to_contain_text("refused the signature")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert_no_violations(tab, "the hotline dashboard with a stopped webhook event")
    screenshot(tab, "webhook-01-dashboard-needs-attention-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert_no_violations(tab, "the hotline dashboard at 390 px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls
    screenshot(tab, "webhook-02-dashboard-needs-attention-390")

    settings.WEBHOOK_SECRET = SECRET  # the key is put right
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation(url="**/escalations/"):
        row.get_by_role("button", name="Retry").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Webhook event {delivery.pk} will be sent again."
    )
    assert AuditEvent.objects.filter(action="webhook.retried", actor="user:lead").exists()
    assert webhook_outbox.deliver(delivery.pk) == "delivered"
    assert [e["id"] for e in receiver.events] == [str(delivery.event_id)]
    page.reload()
    expect(page.locator(".banner")).to_have_count(0)
    expect(section.locator("tbody tr")).to_have_count(0)
    expect(section).to_contain_text("0 events waiting to be delivered")
    assert_no_violations(tab, "the hotline dashboard after the retry")
    screenshot(tab, "webhook-03-dashboard-after-retry-1366")
    tab.assert_no_errors()
