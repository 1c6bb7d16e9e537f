"""Fixtures of the hotline tests: the CyberTipline sandbox and the webhook sandbox the app is
pointed at."""

from __future__ import annotations

import pytest

from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox
from casework.hotlines.webhook.sandbox import WebhookSandbox
from tests.hotlines.webhooks import KEY_ID, SECRET, Clock


@pytest.fixture
def sandbox(settings):
    server = CyberTiplineSandbox(
        username=settings.NCMEC_USERNAME, password=settings.NCMEC_PASSWORD
    ).start()
    settings.NCMEC_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver(settings, clock):
    """The webhook sandbox, with the app pointed at it and holding its key."""
    server = WebhookSandbox(key_id=KEY_ID, secret=SECRET, clock=clock).start()
    settings.WEBHOOK_URL = server.url
    settings.WEBHOOK_KEY_ID = KEY_ID
    settings.WEBHOOK_SECRET = SECRET
    yield server
    server.stop()
