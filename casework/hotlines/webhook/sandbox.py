"""A local receiver for the signed webhook, verifying as a receiver must: the signature
over timestamp and body with the secret its key id names, a timestamp within 5 minutes, and
no signature or event id seen before. Each refusal is a 4xx with a JSON body naming why:
401 for the signature, key id or a stale timestamp, 400 for a body that is not a JSON event,
409 for a replay (a signature or an event id already received).

It fails on demand: ``fail_next(n, status)`` (or ``POST /_sandbox/fail`` with
``{"count": n, "status": 503}``, or ``--fail-first`` on the command) makes the next n
deliveries answer that status (or ``"drop"``: close without an answer) before any check, so
nothing is recorded. ``GET /_sandbox/events`` lists the events received, as JSON. State is
in memory, gone when it stops.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from casework.hotlines.sandbox_server import LocalSandbox
from casework.hotlines.webhook import signing

FAILURES = {"500", "502", "503", "429", "drop"}


class WebhookSandbox(LocalSandbox):
    FAULTS = frozenset(FAILURES)
    FAULT_WORD = "failure"
    PATH = "/webhook"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        key_id: str = "sandbox",
        secret: str = "sandbox-secret",  # noqa: S107 (a local sandbox's demo secret)
        fail_first: int = 0,
        fail_status: str = "503",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secrets = {key_id: secret}
        self.clock = clock
        self.events: list[dict[str, Any]] = []
        self.calls: list[int] = []  # each request's answer status (0: dropped)
        self.seen_signatures: set[str] = set()
        self.seen_ids: set[str] = set()
        super().__init__(host, port, fail_first, fail_status)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def receive(self, headers, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check one delivery; (status, answer)."""
        if status := self.next_fault():
            return (0, {}) if status == "drop" else (int(status), {"error": "injected"})
        with self.lock:
            try:
                verified = signing.verify(headers, body, self.secrets, self.clock())
            except signing.SignatureRefused as refused:
                return 401, {"error": str(refused)}
            try:
                event = json.loads(body)
            except ValueError:
                return 400, {"error": "the body is not JSON"}
            event_id = event.get("id") if isinstance(event, dict) else None
            if not isinstance(event_id, str) or not event_id:
                return 400, {"error": "the event has no id"}
            if verified.signature in self.seen_signatures:
                return 409, {"error": "replayed signature", "id": event_id}
            self.seen_signatures.add(verified.signature)
            if event_id in self.seen_ids:
                return 409, {"error": "event already received", "id": event_id}
            self.seen_ids.add(event_id)
            self.events.append(event)
            return 200, {"received": event_id}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {"events": list(self.events), "calls": list(self.calls)}


def _handler(sandbox: WebhookSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
            pass

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            with contextlib.suppress(OSError):  # the client may be gone
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path.split("?")[0] == "/_sandbox/events":
                return self._send(200, sandbox.summary())
            return self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            if self.path.split("?")[0] == "/_sandbox/fail":
                return self._control(body)
            status, answer = sandbox.receive(self.headers, body)
            with sandbox.lock:
                sandbox.calls.append(status)
            if status == 0:
                self.close_connection = True
                return None
            return self._send(status, answer)

        def _control(self, body: bytes) -> None:
            try:
                wanted = json.loads(body or b"{}")
                sandbox.fail_next(int(wanted.get("count", 1)), wanted.get("status", "503"))
            except (ValueError, TypeError, AttributeError) as exc:
                return self._send(400, {"error": f"count and status: {exc}"})
            return self._send(200, {"failing": wanted.get("count", 1)})

    return Handler
