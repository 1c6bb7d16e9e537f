"""Fixtures of the hotline tests: the CyberTipline sandbox the app is pointed at."""

from __future__ import annotations

import pytest

from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox


@pytest.fixture
def sandbox(settings):
    server = CyberTiplineSandbox(
        username=settings.NCMEC_USERNAME, password=settings.NCMEC_PASSWORD
    ).start()
    settings.NCMEC_BASE_URL = server.url
    yield server
    server.stop()
