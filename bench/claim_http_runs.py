"""The servers, the runs and the figures of bench/claim_http.py (which see)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

from bench import common, http_reviewer
from bench.common import log

ROOT = common.ROOT
# gunicorn's own request time (microseconds), joined to the client's timings by X-Bench.
ACCESS_FORMAT = '%(p)s %(m)s %(s)s %(D)s %({x-bench}i)s "%(U)s"'
ACCESS_LINE = re.compile(r'^<?(\d+)>? (\w+) (\d+) (\d+) (\S+) "([^"]*)"$')


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


class Servers:
    """gunicorn as the docker image runs it, plus a Celery worker and beat, DEBUG off."""

    def __init__(
        self,
        data_dir: Path,
        app_url: str,
        broker_url: str,
        port: int,
        logs: Path,
        gunicorn: tuple[int, int] | None = None,
    ):
        self.data_dir, self.port, self.logs = data_dir, port, logs
        self.access_log = logs / "access.log"
        secrets = json.loads((data_dir / "dev-secrets.json").read_text())
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_EMB", "GUNI"))}
        base.pop("DATABASE_URL", None)
        base.pop("WEB_CONCURRENCY", None)
        self.env = base | {
            "DEBUG": "false",
            "CASEWORK_DATA_DIR": str(data_dir),
            "DATABASE_URL": app_url,
            "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": secrets["secret_key"],
            "EVIDENCE_KEYS": secrets["evidence_keys"],
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_PROXY_COUNT": "1",
            "TRUST_X_FORWARDED_PROTO": "true",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_ACCESSLOG": str(self.access_log),
            "PYTHONUNBUFFERED": "1",
        }
        if gunicorn:  # WORKERSxTHREADS instead of gunicorn_conf's defaults
            self.env |= {"WEB_CONCURRENCY": str(gunicorn[0]), "GUNICORN_THREADS": str(gunicorn[1])}
        self.procs: dict[str, object] = {}

    def start(self) -> None:
        python = sys.executable
        gunicorn = [python, "-m", "gunicorn", "-c", "python:casework.gunicorn_conf"]
        gunicorn += ["--access-logformat", ACCESS_FORMAT, "casework.wsgi:application"]
        celery = [python, "-m", "celery", "-A", "casework"]
        commands = {
            "gunicorn": gunicorn,
            "celery_worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
            "celery_beat": [*celery, "beat", "--loglevel=INFO"],
        }
        for name, cmd in commands.items():
            ready = self._healthy if name == "gunicorn" else (lambda: True)
            log(f"starting {name}")
            self.procs[name] = common.start_group(
                cmd, self.logs / f"{name}.log", ready, cwd=ROOT, env=self.env
            )
        time.sleep(5)  # workers boot and beat's first ticks pass before anyone measures

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:  # noqa: S310
                return r.status == 200
        except OSError:
            return False

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.procs.items()}  # type: ignore[attr-defined]

    def postmaster(self) -> int | None:
        try:
            return int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def describe(self) -> dict:
        workers = _children(self.pids()["gunicorn"])
        return {
            "gunicorn": "gunicorn -c python:casework.gunicorn_conf (gthread; defaults for "
            f"{os.cpu_count()} cores), DEBUG off; {len(workers)} workers x "
            f"{self.env.get('GUNICORN_THREADS', 4)} threads",
            "https": "X-Forwarded-Proto: https from the clients, TRUST_X_FORWARDED_PROTO=true",
            "access_log_format": ACCESS_FORMAT,
            "celery": "worker --concurrency=2 and beat",
        }

    def memory(self) -> dict:
        """VmRSS of each gunicorn worker and each Celery process, now."""
        out: dict = {}
        for name, pid in self.pids().items():
            out[name] = {"master": _rss_kib(pid), "children": [_rss_kib(c) for c in _children(pid)]}
        return out

    def stop(self) -> None:
        for proc in self.procs.values():
            common.stop_group(proc)  # type: ignore[arg-type]


def _ms(seconds: list[float]) -> dict:
    if not seconds:
        return {}
    pick = common.percentiles(seconds, (50, 95, 99))
    return {
        "n": len(seconds),
        **{f"p{p}": round(v * 1000, 2) for p, v in pick.items()},
        "max": round(max(seconds) * 1000, 2),
    }


def _audit_max(conn) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM casework_auditevent").fetchone()[0]


def _db_double_claims(owner_url: str, first_event: int, since: float) -> dict:
    """Cases claimed more than once (case.claimed events) or decided more than once since."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        claimed = conn.execute(
            "SELECT count(*), count(DISTINCT target) FROM casework_auditevent"
            " WHERE id > %s AND action = 'case.claimed'",
            [first_event],
        ).fetchone()
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT target FROM casework_auditevent WHERE id > %s"
            " AND action = 'case.claimed' GROUP BY target HAVING count(*) > 1) t",
            [first_event],
        ).fetchone()[0]
        decided_twice = conn.execute(
            "SELECT count(*) FROM (SELECT case_id FROM casework_decision"
            " WHERE decided_at >= to_timestamp(%s) GROUP BY case_id HAVING count(*) > 1) t",
            [since],
        ).fetchone()[0]
        held = conn.execute(
            "SELECT count(*) FROM casework_case WHERE holder_id IS NOT NULL"
            " AND lease_expires_at > now()"
        ).fetchone()[0]
    return {
        "claim_events": claimed[0],
        "cases_claimed": claimed[1],
        "cases_claimed_more_than_once": twice,
        "cases_decided_more_than_once": decided_twice,
        "cases_still_held_after": held,
    }


def _open_cases(owner_url: str, queue: str) -> int:
    import psycopg

    with psycopg.connect(owner_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM casework_case c JOIN casework_queue q ON q.id = c.queue_id"
            " WHERE q.slug = %s AND c.status IN ('new', 'in_review')",
            [queue],
        ).fetchone()[0]


def _server_times(path: Path, offset: int, run: str) -> tuple[dict[str, float], dict]:
    """{claim tag: server seconds} of this run, and server seconds by kind of request."""
    by_tag: dict[str, float] = {}
    kinds: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    with path.open("rb") as f:
        f.seek(offset)
        for raw in f:
            match = ACCESS_LINE.match(raw.decode(errors="replace").strip())
            if not match:
                continue
            _, method, status, micros, tag, url = match.groups()
            seconds = int(micros) / 1e6
            statuses[f"{method} {status}"] += 1
            if tag.startswith(f"{run}:"):
                by_tag[tag] = seconds
            elif url.endswith("/decide"):
                kinds["decide_post"].append(seconds)
            elif url.startswith("/cases/"):
                kinds["case_page_get"].append(seconds)
    return by_tag, {"by_kind": {k: _ms(v) for k, v in kinds.items()}, "statuses": dict(statuses)}


def http_run(servers: Servers, conf: dict, processes: int, seconds: float, owner_url: str) -> dict:
    import psycopg

    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    deadline = ctx.Value("d", 0.0)
    indexes = list(range(len(conf["usernames"])))
    procs = [
        ctx.Process(
            target=http_reviewer.client_process,
            args=(conf, indexes[i::processes], ready, go, deadline, results),
        )
        for i in range(processes)
    ]
    t0 = time.monotonic()
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)  # every reviewer of that process signed in (or failed)
    sign_in_s = round(time.monotonic() - t0, 1)
    log(f"  signed in after {sign_in_s} s; go")
    open_before = _open_cases(owner_url, conf["queue"])
    with psycopg.connect(owner_url) as conn:
        first_event = _audit_max(conn)
    offset = servers.access_log.stat().st_size
    groups = servers.pids() | ({"postgres": pm} if (pm := servers.postmaster()) else {})
    cpu_before = common.tree_cpu_seconds(groups)
    machine_before = common.machine()
    start = time.time()
    deadline.value = start + seconds
    go.set()
    load_by_minute = []
    collected = []
    while len(collected) < len(procs):
        try:
            collected.append(results.get(timeout=60))
        except Exception:  # queue.Empty: a minute passed
            load_by_minute.append(common.machine()["loadavg"])
    elapsed = time.time() - start
    cpu_after = common.tree_cpu_seconds(groups)
    for proc in procs:
        proc.join(timeout=30)
    time.sleep(1)  # the last access-log lines
    by_tag, other = _server_times(servers.access_log, offset, conf["run"])

    claims, pages, decisions, errors, samples, empty = [], [], [], Counter(), [], 0
    owner: dict[int, int] = {}
    cookies: dict[int, dict] = {}
    doubles = 0
    for part in collected:
        for reviewer, tally in part["reviewers"].items():
            claims += tally["claims"]
            pages += tally["pages"]
            decisions += tally["decisions"]
            errors.update(tally["errors"])
            samples += tally["samples"]
            empty += tally["empty"]
            cookies[reviewer] = tally["cookies"]
            for *_, case_id, _ in tally["claims"]:
                doubles += case_id in owner and owner[case_id] != reviewer
                owner[case_id] = reviewer
    minutes = max(1, int(seconds // 60))
    per_minute: list[list] = [[] for _ in range(minutes)]
    server_per_minute: list[list] = [[] for _ in range(minutes)]
    for at, latency, _, tag in claims:
        slot = int((at - start) // 60)
        if slot < minutes:
            per_minute[slot].append(latency)
            if tag in by_tag:
                server_per_minute[slot].append(by_tag[tag])
    rate = [round(len(m) / 60, 2) for m in per_minute] if seconds >= 60 else []
    cpu = {k: round((cpu_after[k] - cpu_before.get(k, 0)) / elapsed, 3) for k in cpu_after}
    cpu["clients"] = round(sum(p["cpu_s"] for p in collected) / elapsed, 3)
    reconnects = errors.pop("_reconnects", 0)
    return {
        "reviewers": len(indexes),
        "client_processes": processes,
        "think_s": conf["think_s"],
        "views_case_page": conf["view_case"],
        "sign_in_s": sign_in_s,
        "seconds": round(elapsed, 1),
        "machine_before": machine_before,
        "loadavg_by_minute": load_by_minute,
        "machine_after": common.machine(),
        "claims": len(claims),
        "claims_per_s": round(len(claims) / elapsed, 2),
        "claims_per_s_by_minute": rate,
        "last_vs_first_minute": round(rate[-1] / rate[0], 3) if len(rate) > 1 and rate[0] else None,
        "claim_server_ms": _ms(list(by_tag.values())),
        "claim_server_p95_ms_by_minute": [_ms(m).get("p95") for m in server_per_minute],
        "claim_client_ms": _ms([c[1] for c in claims]),
        "claim_client_p95_ms_by_minute": [_ms(m).get("p95") for m in per_minute],
        "claims_without_server_time": len(claims) - sum(1 for c in claims if c[3] in by_tag),
        "case_page_client_ms": _ms(pages),
        "decide_client_ms": _ms(decisions),
        "server_other": other,
        "nothing_to_claim": empty,
        "errors": dict(errors),
        "error_samples": samples[:5],
        "reconnects": reconnects,
        "double_claims_seen_by_clients": doubles,
        "db_check": _db_double_claims(owner_url, first_event, start),
        "open_cases_in_queue": {
            "before": open_before,
            "after": _open_cases(owner_url, conf["queue"]),
        },
        "cpu_cores_by_group": cpu,
        "memory_end_kib": servers.memory(),
        "cookies": cookies,
    }


def one_line(run: dict) -> str:
    return (
        f"{run['claims_per_s']} claims/s by minute {run['claims_per_s_by_minute']}, server "
        f"{run['claim_server_ms']}, client p95 {run['claim_client_ms'].get('p95')} ms, "
        f"errors {run['errors']}, doubles {run['double_claims_seen_by_clients']}, "
        f"cpu {run['cpu_cores_by_group']}"
    )


CLAIM = """
    SELECT id FROM casework_case
    WHERE queue_id = %s AND status IN ('new', 'in_review')
      AND (holder_id IS NULL OR lease_expires_at <= now())
    ORDER BY priority DESC, created_at
    LIMIT 1 FOR UPDATE SKIP LOCKED
"""
CLOSE = "UPDATE casework_case SET status = 'closed', verdict = 'not_csam' WHERE id = %s"


def _raw_client(url: str, queue_id: int, ready, go, deadline, out) -> None:
    import psycopg

    times: list[float] = []
    with psycopg.connect(url) as conn:
        ready.put(os.getpid())
        go.wait()
        while time.time() < deadline.value:
            t0 = time.perf_counter()
            with conn.cursor() as cursor:
                cursor.execute(CLAIM, [queue_id])
                row = cursor.fetchone()
                if row is None:
                    break
                cursor.execute(CLOSE, [row[0]])
            conn.commit()
            times.append(time.perf_counter() - t0)
    out.put((times, time.process_time()))


def raw_ceiling(url: str, queue: str, clients: int, seconds: float) -> dict:
    """Claim and close straight over psycopg from separate processes: the database's ceiling."""
    import psycopg

    with psycopg.connect(url) as conn:
        queue_id = conn.execute(
            "SELECT id FROM casework_queue WHERE slug = %s", [queue]
        ).fetchone()[0]
    ctx = multiprocessing.get_context("spawn")
    out, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    deadline = ctx.Value("d", 0.0)
    before = common.machine()
    procs = [
        ctx.Process(target=_raw_client, args=(url, queue_id, ready, go, deadline, out))
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    deadline.value = time.time() + seconds
    go.set()
    parts = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    times = [t for part, _ in parts for t in part]
    figures = _ms(times)
    return {
        "clients": clients,
        "seconds": seconds,
        "claims_per_s": round(len(times) / seconds, 1),
        "p50_ms": figures.get("p50"),
        "p95_ms": figures.get("p95"),
        "p99_ms": figures.get("p99"),
        "client_cpu_cores": round(sum(cpu for _, cpu in parts) / seconds, 3),
        "machine_before": before,
        "machine_after": common.machine(),
    }


def verdict(report: dict) -> dict:
    out = {}
    for name, run in report.get("runs", {}).items():
        p95 = run["claim_server_ms"].get("p95")
        ratio = run["last_vs_first_minute"]
        out[name] = {
            "server_p95_ms": p95,
            "server_p95_within_20ms": p95 is not None and p95 <= 20,
            "last_vs_first_minute": ratio,
            "flat_within_10_percent": ratio is not None and abs(ratio - 1) <= 0.10,
            "no_double_claims": run["double_claims_seen_by_clients"] == 0
            and run["db_check"]["cases_claimed_more_than_once"] == 0
            and run["db_check"]["cases_decided_more_than_once"] == 0,
        }
    return out
