"""One reviewer as a browser would be one, for bench/claim_http.py: its own keep-alive
connection and cookie jar, signed in through the login form, then claim-next, the case page,
a pause, a decision, over and over. A client process runs several of these as threads.

Only the standard library: the client processes import nothing of Casework's."""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

# Set by the server for messages the bench never reads back (it does not follow the
# decision's redirect to /queues/, where a browser would show and clear them); sent back,
# they would pile up in the cookie and then in the session, which no browser does.
IGNORED_COOKIES = {"messages"}
# gunicorn closes an idle keep-alive connection after 2 s: reopen a little earlier, as a
# browser's connection pool would, rather than race the server's close.
IDLE_REOPEN_S = 1.5
signing = threading.Lock()


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        return (self.headers.get(name) or [""])[0]


class Browser:
    """One connection, one cookie jar, the headers a TLS proxy in front would add."""

    def __init__(self, port: int, forwarded_for: str) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.forwarded_for = forwarded_for
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buf = bytearray()
        self.last_used = 0.0
        self.reconnects = 0

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def _open(self) -> None:
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=300)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.reconnects += 1

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def request(self, method: str, path: str, form: dict | None = None, tag: str = "-") -> Answer:
        body = urlencode(form).encode() if form is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}",
            "X-Forwarded-Proto: https",
            f"X-Forwarded-For: {self.forwarded_for}",
            f"X-Bench: {tag}",
            "Accept: text/html",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                f"Origin: https://{self.host}",
                f"Referer: https://{self.host}/queues/",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self.sock is None or time.monotonic() - self.last_used > IDLE_REOPEN_S:
            self._open()
        assert self.sock is not None
        self.sock.sendall(data)
        answer = self._read()
        self.last_used = time.monotonic()
        return answer

    def _read(self) -> Answer:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        status = int(head[0][9:12])
        headers: dict[str, list[str]] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        while len(self.buf) < end + 4 + length:
            self._fill()
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        for cookie in headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if name in IGNORED_COOKIES:
                continue
            if value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if "close" in headers.get("connection", [""])[0].lower() or "content-length" not in headers:
            self.close()
        return Answer(status, headers, body)

    def csrf(self) -> str:
        # Since Django 4.1 the cookie's unmasked secret is a valid form token too: what a
        # page's masked token would be checked against.
        return self.cookies.get("csrftoken", "")


CASE_PATH = re.compile(r"/cases/(\d+)/$")


@dataclass
class Tally:
    """What one reviewer saw; sent back to the orchestrator as plain lists and dicts."""

    claims: list[tuple[float, float, int, str]] = field(default_factory=list)  # t, s, case, tag
    pages: list[float] = field(default_factory=list)
    decisions: list[float] = field(default_factory=list)
    empty: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{kind}: {detail[:300]}")


def sign_in(browser: Browser, username: str, password: str) -> None:
    """The login form as a browser submits it: GET for the CSRF cookie, then POST."""
    page = browser.request("GET", "/accounts/login/")
    if page.status != 200:
        raise RuntimeError(f"login page answered {page.status}")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": browser.csrf()}
    done = browser.request("POST", "/accounts/login/", form)
    if done.status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"sign-in answered {done.status}: {done.body[:200]!r}")
    landing = browser.request("GET", done.header("location") or "/queues/")
    if landing.status != 200:
        # e.g. a second factor the role requires: say so rather than measure refusals
        raise RuntimeError(f"after sign-in {done.header('location')} answered {landing.status}")


def review(
    conf: dict,
    index: int,
    signed: threading.Semaphore,
    go: threading.Event,
    deadline: list,
    out: dict,
) -> None:
    """Sign in, wait for the start, then loop until the deadline."""
    name = conf["usernames"][index]
    browser = Browser(conf["port"], f"10.20.{index // 250}.{index % 250 + 1}")
    tally = Tally()
    rng = random.Random(f"{conf['run']}-{name}")
    think_min, think_max = conf["think_s"]
    try:
        if conf["cookies"].get(index):  # signed in by an earlier run: the same session
            browser.cookies = dict(conf["cookies"][index])
        else:
            with signing:  # one sign-in at a time per process: each costs a PBKDF2
                sign_in(browser, name, conf["password"])
    except Exception as exc:  # reported: a reviewer that cannot sign in measures nothing
        tally.error("sign_in", repr(exc))
        out[index] = tally
        return
    finally:
        signed.release()
    go.wait()
    clock = time.perf_counter
    seq = 0
    while time.time() < deadline[0]:
        seq += 1
        tag = f"{conf['run']}:{index}:{seq}"
        try:
            t0 = clock()
            answer = browser.request(
                "POST",
                f"/queues/{conf['queue']}/next",
                {"csrfmiddlewaretoken": browser.csrf()},
                tag=tag,
            )
            latency = clock() - t0
            where = CASE_PATH.search(answer.header("location"))
            if answer.status != 302:
                tally.error(f"claim_{answer.status}", answer.body.decode(errors="replace"))
                time.sleep(0.5)
                continue
            if where is None:
                tally.empty += 1  # back to /queues/: nothing to claim, or refused
                time.sleep(1.0)
                continue
            case_id = int(where.group(1))
            tally.claims.append((time.time(), latency, case_id, tag))
            if conf["view_case"]:
                t0 = clock()
                page = browser.request("GET", f"/cases/{case_id}/")
                tally.pages.append(clock() - t0)
                if page.status != 200:
                    tally.error(f"case_page_{page.status}", page.body.decode(errors="replace"))
            if think_max:
                time.sleep(rng.uniform(think_min, think_max))
            t0 = clock()
            done = browser.request(
                "POST",
                f"/cases/{case_id}/decide",
                {"csrfmiddlewaretoken": browser.csrf(), "verdict": conf["verdict"]},
            )
            tally.decisions.append(clock() - t0)
            if done.status != 302 or CASE_PATH.search(done.header("location")):
                tally.error(f"decide_{done.status}", done.body.decode(errors="replace"))
        except (OSError, ValueError) as exc:  # ConnectionError is an OSError
            browser.close()
            tally.error("connection", repr(exc))
            time.sleep(0.2)
    browser.close()
    tally.cookies = browser.cookies
    tally.errors["_reconnects"] = browser.reconnects
    out[index] = tally


def client_process(conf: dict, indexes: list[int], ready, go_event, deadline, results) -> None:
    """A separate process: its reviewers as threads, each with its own connection. Says it
    is ready once every reviewer has signed in (or failed to), then waits for the start."""
    signed = threading.Semaphore(0)
    go = threading.Event()
    box = [0.0]
    out: dict[int, Tally] = {}
    threads = [
        threading.Thread(target=review, args=(conf, i, signed, go, box, out), daemon=True)
        for i in indexes
    ]
    for thread in threads:
        thread.start()
    for _ in threads:
        signed.acquire()
    ready.put(os.getpid())
    go_event.wait()
    box[0] = deadline.value
    cpu_start = time.process_time()
    go.set()
    for thread in threads:
        thread.join()
    results.put(
        {
            "pid": os.getpid(),
            "cpu_s": time.process_time() - cpu_start,
            "reviewers": {i: t.__dict__ for i, t in out.items()},
        }
    )
