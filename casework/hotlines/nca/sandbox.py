"""A local receiver for the NCA adapter's JSON report (``POST /reports``), enforcing what
Casework's report must carry: ``Authorization: Bearer <key>`` (401 otherwise), a JSON object
(400), every Schedule 1 field documents.REQUIRED names (422 with ``missing``: each absent
field's path), and each file's data matching its sha256 (422). It answers 201 ``{"reference":
"NCA-…"}``.

Idempotent by the report's ``report_id``: a repeat answers 200 with the first reference and
files nothing, so the outbox's at-least-once resend (after a lost answer) never files twice.

It fails on demand: ``fail_next(n, fault)`` (or ``POST /_sandbox/fail`` with ``{"count": n,
"fault": "503"}``, or ``--fail-first`` on the command) makes the next n reports meet the
fault: 500, 502, 503 or 429 (answered before any check, nothing filed), ``drop`` (closed
unread), ``drop-after`` (filed, then closed without an answer: the case idempotency is for).
``GET /_sandbox/reports`` lists the reports filed (content bytes left out). In memory only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import itertools
import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from casework.hotlines.nca import documents
from casework.hotlines.sandbox_server import LocalSandbox

FAULTS = {"500", "502", "503", "429", "drop", "drop-after"}


class NcaSandbox(LocalSandbox):
    FAULTS = frozenset(FAULTS)

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "sandbox-key",
        fail_first: int = 0,
        fault: str = "503",
    ) -> None:
        self.api_key = api_key
        self.reports: dict[str, dict[str, Any]] = {}  # report_id → {"reference", "report"}
        self.calls: list[int] = []  # each request's answer status (0: no answer)
        self._numbers = itertools.count(1)
        super().__init__(host, port, fail_first, fault)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def receive(self, authorization: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check and file one report; (status, answer)."""
        expected = f"Bearer {self.api_key}"
        if not hmac.compare_digest(authorization.encode(), expected.encode()):
            return 401, {"error": "missing or wrong bearer key"}
        try:
            report = json.loads(body)
        except ValueError:
            return 400, {"error": "the body is not JSON"}
        missing = documents.missing_fields(report)
        if missing:
            return 422, {"error": "missing required fields", "missing": missing}
        if altered := _altered_content(report["content"]):
            return 422, {"error": "content does not match its sha256", "content": altered}
        with self.lock:
            if found := self.reports.get(report["report_id"]):
                return 200, {"reference": found["reference"], "repeat": True}
            reference = f"NCA-{next(self._numbers):08d}"
            self.reports[report["report_id"]] = {"reference": reference, "report": report}
        return 201, {"reference": reference}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            filed = [
                {"reference": r["reference"], "report": documents.for_the_record(r["report"])}
                for r in self.reports.values()
            ]
            return {"reports": filed, "calls": list(self.calls)}


def _altered_content(content: list[dict[str, Any]]) -> list[int]:
    """The indexes of files whose data is not base64 or does not hash to their sha256."""
    altered = []
    for n, entry in enumerate(content):
        try:
            data = base64.b64decode(entry["data_base64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            altered.append(n)
            continue
        if entry.get("kind") == "file" and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            altered.append(n)
    return altered


def _handler(sandbox: NcaSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
            pass

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            with sandbox.lock:
                sandbox.calls.append(status)
            data = json.dumps(answer).encode()
            with contextlib.suppress(OSError):  # the client may be gone
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def _drop(self) -> None:
            with sandbox.lock:
                sandbox.calls.append(0)
            self.close_connection = True

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path.split("?")[0] == "/_sandbox/reports":
                return self._send(200, sandbox.summary())
            return self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            if path == "/_sandbox/fail":
                return self._control(self._body())
            if path != "/reports":
                return self._send(404, {"error": "not found"})
            fault = sandbox.next_fault()
            if fault == "drop":
                return self._drop()
            body = self._body()
            if fault and fault != "drop-after":
                return self._send(int(fault), {"error": "injected"})
            status, answer = sandbox.receive(self.headers.get("Authorization", ""), body)
            if fault == "drop-after":
                return self._drop()
            return self._send(status, answer)

        def _control(self, body: bytes) -> None:
            try:
                wanted = json.loads(body or b"{}")
                sandbox.fail_next(int(wanted.get("count", 1)), wanted.get("fault", "503"))
            except (ValueError, TypeError, AttributeError) as exc:
                return self._send(400, {"error": f"count and fault: {exc}"})
            return self._send(200, {"failing": wanted.get("count", 1)})

    return Handler
