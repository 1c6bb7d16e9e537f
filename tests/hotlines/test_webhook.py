"""The signed webhook's signatures and its sandbox receiver: a signature binds body, timestamp
and key; the receiver refuses a tampered body, a stale timestamp and a replay with a clear
4xx, fails on demand, and runs as `hotline_sandbox webhook`; the README's receiver agrees."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings as django_settings

from casework.hotlines.webhook import signing
from tests.hotlines.webhooks import (
    KEY_ID,
    SECRET,
    an_event,
    post_signed,
)

pytestmark = pytest.mark.django_db


# --- Signatures --------------------------------------------------------------------------


def test_a_signature_round_trips_and_binds_body_timestamp_and_key():
    body, now = an_event(), 1_800_000_000
    headers = signing.signed_headers(KEY_ID, SECRET, now, body)
    assert headers[signing.SIGNATURE_HEADER].startswith("sha256=")
    verified = signing.verify(headers, body, {KEY_ID: SECRET}, now + 10)
    assert (verified.key_id, verified.timestamp) == (KEY_ID, now)
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(headers, body + b" ", {KEY_ID: SECRET}, now)
    later = headers | {signing.TIMESTAMP_HEADER: str(now + 1)}
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(later, body, {KEY_ID: SECRET}, now)
    with pytest.raises(signing.SignatureRefused, match="not a known key"):
        signing.verify(headers, body, {"other": SECRET}, now)
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(headers, body, {KEY_ID: SECRET + "x"}, now)
    with pytest.raises(signing.SignatureRefused, match="at most 300 s"):
        signing.verify(headers, body, {KEY_ID: SECRET}, now + 301)


def test_the_sandbox_refuses_a_tampered_body(receiver, clock):
    body = an_event()
    headers = signing.signed_headers(KEY_ID, SECRET, int(clock.now), body)
    answer = requests.post(
        receiver.url, data=body.replace(b"e1", b"e2"), headers=headers, timeout=10
    )
    assert answer.status_code == 401
    assert "does not match" in answer.json()["error"]
    assert receiver.events == []


def test_the_sandbox_refuses_a_stale_timestamp(receiver, clock):
    answer = post_signed(receiver, an_event(), int(clock.now) - 301)
    assert answer.status_code == 401
    assert "at most 300 s" in answer.json()["error"]
    assert post_signed(receiver, an_event(), int(clock.now) - 299).status_code == 200


def test_the_sandbox_refuses_a_replayed_signature_and_a_repeated_event_id(receiver, clock):
    body, now = an_event(), int(clock.now)
    assert post_signed(receiver, body, now).status_code == 200
    replayed = post_signed(receiver, body, now)
    assert (replayed.status_code, replayed.json()["error"]) == (409, "replayed signature")
    again = post_signed(receiver, body, now + 1)  # signed afresh: a retry of the same event
    assert (again.status_code, again.json()["error"]) == (409, "event already received")
    assert [e["id"] for e in receiver.events] == ["e1"]


def test_the_sandbox_fails_on_demand_before_checking_anything(receiver, clock):
    receiver.fail_next(2, 503)
    now = int(clock.now)
    statuses = [post_signed(receiver, an_event(f"e{n}"), now).status_code for n in range(3)]
    assert statuses == [503, 503, 200]
    control = requests.post(
        receiver.url.replace("/webhook", "/_sandbox/fail"), json={"count": 1}, timeout=10
    )
    assert control.status_code == 200
    assert post_signed(receiver, an_event("e9"), now).status_code == 503
    with pytest.raises(ValueError, match="bad failure"):
        receiver.fail_next(1, "418")


# --- The command -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_command_runs_a_webhook_sandbox_that_fails_first_on_demand():
    port = free_port()
    command = [sys.executable, "manage.py", "hotline_sandbox", "webhook", "--port", str(port)]
    options = ["--key-id", KEY_ID, "--secret", SECRET, "--fail-first", "1"]
    process = subprocess.Popen(
        [*command, *options],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/webhook" in line
        server = type("Server", (), {"url": f"http://127.0.0.1:{port}/webhook"})
        now = int(time.time())
        assert post_signed(server, an_event(), now).status_code == 503
        assert post_signed(server, an_event(), now).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_readmes_receiver_accepts_a_delivery_and_refuses_what_the_sandbox_refuses():
    readme = (django_settings.BASE_DIR / "README.md").read_text()
    start = readme.index("```python\nimport hashlib, hmac, json, time")
    snippet = readme[start + len("```python\n") : readme.index("```", start + 10)]
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 (the README's own example)
    receive, seen = namespace["receive"], set()
    body, now = an_event(), int(time.time())
    headers = signing.signed_headers(KEY_ID, SECRET, now, body)
    assert receive(headers, body, {KEY_ID: SECRET}, seen) == 200
    assert receive(headers, body, {KEY_ID: SECRET}, seen) == 409
    assert receive(headers, body + b" ", {KEY_ID: SECRET}, seen) == 401
    stale = signing.signed_headers(KEY_ID, SECRET, now - 301, an_event("e2"))
    assert receive(stale, an_event("e2"), {KEY_ID: SECRET}, seen) == 401
