"""A local server that speaks NCMEC's CyberTipline Reporting API, for tests, benchmarks and
the development run: the same paths under /ispws, Basic auth, NCMEC's XML answers and codes,
schema validation of every document (the validator's message in the answer), report state
(open / finished / retracted, files per report), and injected faults.

Faults: ``step=fault[@when]`` items, comma-separated; step is status, submit, upload,
fileinfo, finish, retract or ``*``; fault is 500, 503, 401, ``drop`` (close without
processing), ``drop-after`` (process, then close without answering) or ``code:NNNN``; when
is ``always`` (default), ``once``, a count N, or ``P%``. Its limits: state is in memory,
and unfinished reports are not deleted after NCMEC's 1 h / 24 h.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import hashlib
import random
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from casework.hotlines.ncmec import schema

STEPS = {"status", "submit", "upload", "fileinfo", "finish", "retract", "*"}


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
    files: dict[str, SandboxFile] = field(default_factory=dict)


class Gate:
    """Holds the next request of one step, before or after it is processed, until released:
    a test kills the client at that exact point."""

    def __init__(self, step: str, when: str) -> None:
        self.step, self.when = step, when
        self.reached = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def wait(self) -> None:
        self.reached.set()
        self._released.wait(timeout=60)


@dataclass
class Fault:
    step: str
    kind: str
    remaining: int | None  # None: always, or by chance
    chance: float = 1.0


def parse_faults(spec: str) -> list[Fault]:
    faults = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        step, _, rest = part.partition("=")
        kind, _, when = rest.partition("@")
        valid_kind = kind in {"500", "503", "401", "drop", "drop-after"} or (
            kind.startswith("code:") and kind[5:].isdigit()
        )
        if step not in STEPS or not valid_kind:
            raise ValueError(f"bad fault {part!r}: use step=fault[@when]")
        when = when or "always"
        if when == "always":
            faults.append(Fault(step, kind, None))
        elif when == "once" or when.isdigit():
            faults.append(Fault(step, kind, 1 if when == "once" else int(when)))
        elif when.endswith("%") and when[:-1].replace(".", "", 1).isdigit():
            faults.append(Fault(step, kind, None, float(when[:-1]) / 100))
        else:
            raise ValueError(f"bad fault {part!r}: when is always, once, N or P%")
    return faults


def answer(code: int, description: str, **ids: str) -> str:
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in ids.items() if v)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<reportResponse>'
        f"<responseCode>{code}</responseCode>"
        f"<responseDescription>{escape(description)}</responseDescription>{extra}"
        "</reportResponse>"
    )


class CyberTiplineSandbox:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "casework",
        password: str = "sandbox",  # noqa: S107 (a local sandbox's demo credential)
        faults: str = "",
        seed: int = 0,
    ) -> None:
        self.username, self.password = username, password
        self.reports: dict[int, SandboxReport] = {}
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.random = random.Random(seed)  # noqa: S311 (repeatable fault runs, not secrets)
        self.faults = parse_faults(faults)
        self._next_id = 100001
        self.gates: list[Gate] = []
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/ispws"

    def set_faults(self, spec: str) -> None:
        with self.lock:
            self.faults = parse_faults(spec)

    def start(self) -> CyberTiplineSandbox:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

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

    def handle(self, step: str, body: bytes, content_type: str) -> str:
        with self.lock:
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
        report = SandboxReport(self._next_id, "open", body.decode())
        self.reports[report.id] = report
        self._next_id += 1
        return answer(0, "Success", reportId=str(report.id))

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

        def _serve(self, method: str) -> None:
            step = self.path.removeprefix("/ispws/").split("?")[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            wanted = "GET" if step == "status" else "POST"
            if not self.path.startswith("/ispws/") or step not in STEPS - {"*"}:
                return self._send(404, answer(4000, "Not found"))
            if method != wanted:
                return self._send(405, answer(4000, "Method not allowed"))
            fault = sandbox.fault_for(step)
            if fault == "drop":
                sandbox.calls.append((step, 0))
                self.close_connection = True
                return
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
                self.close_connection = True
                return
            if step == "status":
                text = f"Remote User : {sandbox.username}, Remote Ip : {self.client_address[0]}"
                result = answer(0, text)
            else:
                result = sandbox.handle(step, body, self.headers.get("Content-Type", ""))
            if gate := sandbox.gate_for(step, "after"):
                gate.wait()
            if fault == "drop-after":
                sandbox.calls.append((step, 0))
                self.close_connection = True
                return
            sandbox.calls.append((step, 200))
            # The client may be gone (a test killed it): then there is nobody to answer.
            with contextlib.suppress(OSError):
                self._send(200, result)

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

    return Handler
