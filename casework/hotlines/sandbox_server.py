"""What the hotline sandboxes share: a local threaded HTTP server, started in the background
for tests or served in the foreground by ``hotline_sandbox`` (ServedSandbox, also NCMEC's);
and, for the one-request sandboxes (the NCA's, the webhook receiver), faults queued on
demand, the next request taking the first (LocalSandbox)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Self


class ServedSandbox:
    """A sandbox's server: made by serve_on, then started in a thread or served here."""

    PATH: ClassVar[str] = ""  # where requests go, after the server's root
    server: ThreadingHTTPServer

    def serve_on(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.PATH}"

    def start(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalSandbox(ServedSandbox):
    FAULTS: ClassVar[frozenset[str]]
    FAULT_WORD: ClassVar[str] = "fault"  # what a refused fail_next calls it

    def __init__(self, host: str, port: int, fail_first: int, fault: str | int) -> None:
        self.lock = threading.Lock()
        self._failing: list[str] = []
        self.fail_next(fail_first, fault)
        self.serve_on(host, port, self.handler())

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def fail_next(self, count: int, fault: str | int = "503") -> None:
        """The next `count` requests meet `fault`, before any check."""
        fault = str(fault)
        if fault not in self.FAULTS or count < 0:
            raise ValueError(
                f"bad {self.FAULT_WORD} {count} x {fault!r}: a count >= 0 of "
                f"{', '.join(sorted(self.FAULTS))}"
            )
        with self.lock:
            self._failing = [fault] * count

    def next_fault(self) -> str:
        """The fault this request meets ("" for none)."""
        with self.lock:
            return self._failing.pop(0) if self._failing else ""
