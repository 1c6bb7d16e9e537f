"""The test OIDC provider (tests/oidc_provider.py) as a process on a free loopback port,
Casework's settings pointed at it, and a person's round trip through it over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

PROVIDER_SCRIPT = Path(__file__).with_name("oidc_provider.py")
CLIENT_ID = "casework-test"
CLIENT_SECRET = "provider-test-secret"
ROLE_MAP = (("t&s-leads", "escalation_lead"), ("t&s", "reviewer"), ("t&s-admins", "admin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    """Start the provider for a client whose only redirect URI is `redirect_uri`."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(PROVIDER_SCRIPT),
            f"--port={port}",
            f"--client-id={CLIENT_ID}",
            f"--client-secret={CLIENT_SECRET}",
            f"--redirect-uri={redirect_uri}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    provider = Provider(issuer=f"http://127.0.0.1:{port}", process=process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the test OIDC provider did not start") from None
                time.sleep(0.1)
        yield provider
    finally:
        provider.stop()


def configure(settings, issuer: str, role_claim: str = "groups") -> None:
    """Point Casework (pytest-django's settings fixture) at the provider."""
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_CLAIM = role_claim
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_PROVIDER_NAME = "Test IdP"


def at_provider(authorize_url: str, **person: str) -> str:
    """Sign in at the provider as `person` (sub, groups, amr, quirk: comma-separated
    strings); return where it sends the browser back to."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = {"sub": "alice", "groups": "t&s", "amr": "pwd", "quirk": ""} | person
    back = requests.post(authorize_url, data=fields, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return back.headers["Location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
