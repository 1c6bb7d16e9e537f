"""What the exchange sandboxes share: a threaded local HTTP server, synthetic hashes, an
injected fault, and a record of the requests it answered.

Synthetic hashes only: each value is the SHA-256 (or MD5) of "casework-sandbox-<seed>-<n>",
random hex that no real image has.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def synthetic_md5(seed: int, n: int) -> str:
    return hashlib.md5(f"casework-sandbox-{seed}-{n}".encode(), usedforsecurity=False).hexdigest()


def synthetic_pdq(seed: int, n: int) -> str:
    return hashlib.sha256(f"casework-sandbox-{seed}-{n}".encode()).hexdigest()


@dataclass
class Fault:
    """Answer `status` to `count` paged requests, starting with page `page` (1-based) of
    any fetch."""

    page: int
    status: int = 503
    count: int = 1


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str


class SandboxServer:
    """Subclasses define answer(path, query, headers) and url."""

    def __init__(self, host: str, port: int) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, str], int]] = []  # (path, query, status)
        self.fault: Fault | None = None
        self.held: tuple[int, threading.Event, threading.Event] | None = None
        self.server = ThreadingHTTPServer((host, port), _handler(self.serve))
        self.server.daemon_threads = True

    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, fault: Fault | None) -> None:
        with self.lock:
            self.fault = fault

    def hold(self, page: int) -> tuple[threading.Event, threading.Event]:
        """The next request for page `page` waits: (arrived, release). Set release and it
        is answered 503, for a client that a test has meanwhile killed."""
        arrived, release = threading.Event(), threading.Event()
        with self.lock:
            self.held = (page, arrived, release)
        return arrived, release

    def take_fault(self, page: int) -> int | None:
        """The status to answer for this page instead, if a fault (or a hold) says so."""
        with self.lock:
            held, self.held = self.held, None
        if held and held[0] == page:
            held[1].set()
            held[2].wait(60)
            return 503
        with self.lock:
            if held:
                self.held = held
            fault = self.fault
            if fault is None or page < fault.page or fault.count <= 0:
                return None
            fault.count -= 1
            return fault.status

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        raise NotImplementedError

    def serve(self, raw_path: str, headers: dict[str, str]) -> Answer:
        split = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        answer = self.answer(split.path, query, headers)
        with self.lock:
            self.calls.append((split.path, query, answer.status))
        return answer


def _handler(serve: Callable[[str, dict[str, str]], Answer]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
            pass

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            answer = serve(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may be gone (killed by a test)
                self.wfile.write(answer.body)

    return Handler
