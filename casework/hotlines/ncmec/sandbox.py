"""A local server that speaks NCMEC's CyberTipline Reporting API, for tests, benchmarks and
the development run: the same paths under /ispws (status, xsd, submit, upload, fileinfo,
finish, retract), Basic auth, NCMEC's XML answers and codes, schema validation of every
document (the validator's message in the answer), report state (open / finished /
retracted, files per report), NCMEC's deletion of unfinished reports (24 h after opening,
1 h after the last change), and injected faults (sandbox_faults). ``GET /_sandbox/reports``
(outside /ispws, no auth) lists the reports as JSON for benchmarks and people watching a
run. Its limit: state is in memory, gone when it stops.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import hashlib
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.sandbox_faults import STEPS, Gate, parse_faults
from casework.hotlines.sandbox_server import ServedSandbox

# NCMEC deletes a report that is not finished this long after it was opened, or after the
# last change to it.
OPEN_LIFETIME = 24 * 3600
IDLE_LIFETIME = 3600


@dataclass
class SandboxFile:
    file_id: str
    md5: str
    size: int
    filename: str
    details_xml: str | None = None


@dataclass
class SandboxReport:
    id: int
    state: str
    xml: str
    opened_at: float
    changed_at: float
    files: dict[str, SandboxFile] = field(default_factory=dict)

    def summary(self) -> dict:
        files = [
            {
                "file_id": f.file_id,
                "md5": f.md5,
                "size": f.size,
                "filename": f.filename,
                "details": f.details_xml is not None,
            }
            for f in self.files.values()
        ]
        return {"id": self.id, "state": self.state, "opened_at": self.opened_at, "files": files}


def answer(code: int, description: str, **ids: str) -> str:
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in ids.items() if v)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<reportResponse>'
        f"<responseCode>{code}</responseCode>"
        f"<responseDescription>{escape(description)}</responseDescription>{extra}"
        "</reportResponse>"
    )


class CyberTiplineSandbox(ServedSandbox):
    PATH = "/ispws"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "casework",
        password: str = "sandbox",  # noqa: S107 (a local sandbox's demo credential)
        faults: str = "",
        seed: int = 0,
        hang_seconds: float = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.username, self.password = username, password
        self.reports: dict[int, SandboxReport] = {}
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.random = random.Random(seed)  # noqa: S311 (repeatable fault runs, not secrets)
        self.faults = parse_faults(faults)
        self.hang_seconds = hang_seconds  # how long a timeout fault holds a request
        self.clock = clock
        self.expired: list[int] = []
        self._next_id = 100001
        self.gates: list[Gate] = []
        self.serve_on(host, port, _handler(self))

    def set_faults(self, spec: str) -> None:
        with self.lock:
            self.faults = parse_faults(spec)

    def hold(self, step: str, when: str = "before") -> Gate:
        """The next `step` request waits at the gate: "before" it changes anything (and is
        then dropped unprocessed, as if the client had died before sending it), or "after"
        the change is made but before any answer is written."""
        gate = Gate(step, when)
        with self.lock:
            self.gates.append(gate)
        return gate

    def gate_for(self, step: str, when: str) -> Gate | None:
        with self.lock:
            for gate in self.gates:
                if (gate.step, gate.when) == (step, when):
                    self.gates.remove(gate)
                    return gate
        return None

    def finished(self) -> list[SandboxReport]:
        with self.lock:
            return [r for r in self.reports.values() if r.state == "finished"]

    def fault_for(self, step: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault.step not in (step, "*"):
                    continue
                if fault.remaining is not None:
                    if fault.remaining <= 0:
                        continue
                    fault.remaining -= 1
                    return fault.kind
                if fault.chance >= 1 or self.random.random() < fault.chance:
                    return fault.kind
        return None

    # --- The protocol ---------------------------------------------------------------------

    def summary(self) -> dict:
        with self.lock:
            self._expire()
            reports = [r.summary() for r in self.reports.values()]
            return {"reports": reports, "expired": list(self.expired)}

    def handle(self, step: str, body: bytes, content_type: str) -> str:
        with self.lock:
            self._expire()
            if step == "submit":
                return self._submit(body)
            if step == "upload":
                return self._upload(body, content_type)
            if step == "fileinfo":
                return self._fileinfo(body)
            return self._close(step, parse_qs(body.decode(errors="replace")).get("id", [""])[0])

    def _submit(self, body: bytes) -> str:
        problems = schema.problems(body)
        if problems and problems[0].startswith("not well-formed"):
            return answer(4110, "Malformed XML")
        if problems or schema.parse(body).tag != "report":
            return answer(4100, "Validation failed: " + "; ".join(problems or ["not a report"]))
        now = self.clock()
        report = SandboxReport(self._next_id, "open", body.decode(), now, now)
        self.reports[report.id] = report
        self._next_id += 1
        return answer(0, "Success", reportId=str(report.id))

    def _expire(self) -> None:
        now = self.clock()
        for report in list(self.reports.values()):
            stale = (
                now - report.opened_at > OPEN_LIFETIME or now - report.changed_at > IDLE_LIFETIME
            )
            if report.state == "open" and stale:
                del self.reports[report.id]
                self.expired.append(report.id)

    def _report(self, report_id: str) -> tuple[SandboxReport | None, str | None]:
        report = self.reports.get(int(report_id)) if report_id.strip().isdigit() else None
        if report is None:
            return None, answer(5001, "Report does not exist")
        if report.state == "retracted":
            return None, answer(5101, "Report already retracted", reportId=str(report.id))
        if report.state == "finished":
            return None, answer(5102, "Report already finished", reportId=str(report.id))
        return report, None

    def _upload(self, body: bytes, content_type: str) -> str:
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        fields: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fields[name] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
        report, refused = self._report(fields.get("id", ("", b""))[1].decode())
        if refused:
            return refused
        filename, data = fields.get("file", ("", b""))
        if not data:
            return answer(4200, "Malformed file")
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        file = SandboxFile(secrets.token_hex(16), md5, len(data), filename)
        report.files[file.file_id] = file
        report.changed_at = self.clock()
        return answer(0, "Success", reportId=str(report.id), fileId=file.file_id, hash=file.md5)

    def _fileinfo(self, body: bytes) -> str:
        problems = schema.problems(body)
        if problems and problems[0].startswith("not well-formed"):
            return answer(4110, "Malformed XML")
        if problems or schema.parse(body).tag != "fileDetails":
            return answer(4100, "Validation failed: " + "; ".join(problems or ["not fileDetails"]))
        root = schema.parse(body)
        report, refused = self._report(root.findtext("reportId") or "")
        if refused:
            return refused
        file = report.files.get((root.findtext("fileId") or "").strip())
        if file is None:
            return answer(5002, "File does not exist")
        file.details_xml = body.decode()
        report.changed_at = self.clock()
        return answer(0, "Success", reportId=str(report.id))

    def _close(self, step: str, report_id: str) -> str:
        report, refused = self._report(report_id)
        if refused:
            return refused
        if step == "retract":
            report.state = "retracted"
            return answer(0, "Success", reportId=str(report.id))
        report.state = "finished"
        files = "".join(f"<fileId>{f}</fileId>" for f in report.files)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<reportDoneResponse>'
            f"<responseCode>0</responseCode><reportId>{report.id}</reportId>"
            f"<files>{files}</files></reportDoneResponse>"
        )


def _handler(sandbox: CyberTiplineSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
            pass

        def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{sandbox.username}:{sandbox.password}".encode())
            return self.headers.get("Authorization", "") == f"Basic {expected.decode()}"

        def _drop(self) -> None:
            self.close_connection = True

        def _hang(self) -> None:
            time.sleep(sandbox.hang_seconds)
            self._drop()

        def _serve(self, method: str) -> None:
            path = self.path.split("?")[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if path == "/_sandbox/reports" and method == "GET":
                data = json.dumps(sandbox.summary(), indent=1).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            step = path.removeprefix("/ispws/")
            wanted = "GET" if step in ("status", "xsd") else "POST"
            if not path.startswith("/ispws/") or step not in STEPS - {"*"}:
                return self._send(404, answer(4000, "Not found"))
            if method != wanted:
                return self._send(405, answer(4000, "Method not allowed"))
            fault = sandbox.fault_for(step)
            if fault in ("drop", "timeout"):
                sandbox.calls.append((step, 0))
                return self._hang() if fault == "timeout" else self._drop()
            if fault == "401" or not self._authorised():
                sandbox.calls.append((step, 401))
                challenge = {"WWW-Authenticate": 'Basic realm="ESP Web Services"'}
                return self._send(401, answer(1000, "Authentication Required"), challenge)
            if fault in ("500", "503"):
                sandbox.calls.append((step, int(fault)))
                return self._send(int(fault), "<html><body>Service unavailable</body></html>")
            if fault and fault.startswith("code:"):
                sandbox.calls.append((step, 200))
                return self._send(200, answer(int(fault[5:]), "Injected fault"))
            if gate := sandbox.gate_for(step, "before"):
                gate.wait()  # then dropped unprocessed, as if it had never arrived
                sandbox.calls.append((step, 0))
                return self._drop()
            if step == "xsd":
                sandbox.calls.append((step, 200))
                return self._send(200, schema.SCHEMA_PATH.read_text())
            if step == "status":
                text = f"Remote User : {sandbox.username}, Remote Ip : {self.client_address[0]}"
                result = answer(0, text)
            else:
                result = sandbox.handle(step, body, self.headers.get("Content-Type", ""))
            if gate := sandbox.gate_for(step, "after"):
                gate.wait()
            if fault in ("drop-after", "timeout-after"):
                sandbox.calls.append((step, 0))
                return self._hang() if fault == "timeout-after" else self._drop()
            sandbox.calls.append((step, 200))
            # The client may be gone (a test killed it): then there is nobody to answer.
            with contextlib.suppress(OSError):
                self._send(200, result)

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

    return Handler
