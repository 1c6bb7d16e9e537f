"""The batch endpoint's figures for bench/intake.py: reports/s through POST
/api/v1/reports/batch from separate client processes, and, on the same database in the same
run, the ceiling of COPY from Python for rows of the same shape (the issue's comparison)."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import time
from collections import Counter

import psycopg

from bench import intake_filing

COPY_TABLE = "bench_raw_copy"


def _batch_body(report: dict, tag: str, start: int, size: int) -> bytes:
    template = json.dumps(report, separators=(",", ":"))
    items = [template.replace("__EXTID__", f"{tag}-{n}") for n in range(start, start + size)]
    return ("[" + ",".join(items) + "]").encode()


def _batch_client(conf: dict, worker: int, go, results) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", conf["port"], timeout=120)
    headers = {"Authorization": f"Bearer {conf['token']}", "Content-Type": "application/json"}
    size, tag = conf["batch_size"], f"{conf['tag']}-p{worker}"
    latencies: list[float] = []
    statuses: Counter = Counter()
    items: Counter = Counter()
    sent = 0
    go.wait()
    deadline = time.monotonic() + conf["seconds"]
    while time.monotonic() < deadline:
        body = _batch_body(conf["report"], tag, sent, size)  # built before the clock starts
        start = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/reports/batch", body, headers)
            response = conn.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            statuses[f"error: {type(exc).__name__}"] += 1
            conn.close()
            continue
        latencies.append(time.perf_counter() - start)
        statuses[str(response.status)] += 1
        sent += size
        if response.status == 207:
            parsed = json.loads(answer)
            for key in ("created", "repeated", "refused"):
                items[key] += parsed[key]
    conn.close()
    results.put({"latencies": latencies, "statuses": dict(statuses), "items": dict(items)})


def batch_load(
    *,
    port: int,
    token: str,
    report: dict,
    tag: str,
    processes: int,
    batch_size: int,
    seconds: float,
) -> dict:
    """New reports in batches of batch_size from separate processes, one connection each."""
    conf = {
        "port": port, "token": token, "report": report, "tag": tag,
        "batch_size": batch_size, "seconds": seconds,
    }  # fmt: skip
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_batch_client, args=(conf, i, go, results)) for i in range(processes)
    ]
    for p in procs:
        p.start()
    time.sleep(2)  # started and imported
    began = time.monotonic()
    go.set()
    outs = [results.get(timeout=seconds + 300) for _ in procs]
    elapsed = time.monotonic() - began
    for p in procs:
        p.join(timeout=10)
    latencies = sorted(x for out in outs for x in out["latencies"])
    statuses: Counter = Counter()
    items: Counter = Counter()
    for out in outs:
        statuses.update(out["statuses"])
        items.update(out["items"])
    return {
        "processes": processes,
        "batch_size": batch_size,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "statuses": dict(statuses),
        "items": dict(items),
        "new_reports_per_s": round(items["created"] / elapsed, 1),
        "request_s": {
            "p50": round(statistics.median(latencies), 3) if latencies else None,
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else None,
            "max": round(latencies[-1], 3) if latencies else None,
        },
    }


def _copier(pg_url: str, worker: int, seconds: float, batch_size: int, payload: str, go, out):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        go.wait()
        deadline = time.monotonic() + seconds
        done = 0
        while time.monotonic() < deadline:
            with conn.cursor() as cursor:
                copy_sql = (
                    f"COPY {COPY_TABLE} (platform_id, source, external_id, payload) FROM STDIN"
                )
                with cursor.copy(copy_sql) as copy:
                    for n in range(done, done + batch_size):
                        copy.write_row((1, "classifier", f"w{worker}-{n}", payload))
            done += batch_size
    out.put(done)


def copy_ceiling(pg_url: str, *, report: dict, processes: int, batch_size: int, seconds: float):
    """COPY of batch_size rows at a time (the report's JSON as jsonb, a unique key) from
    separate processes: the database's own rate for bulk intake."""
    intake_filing.fresh_raw_table(pg_url, COPY_TABLE)
    payload = json.dumps(report)
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_copier, args=(pg_url, i, seconds, batch_size, payload, go, out))
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    time.sleep(2)
    go.set()
    total = sum(out.get(timeout=seconds + 60) for _ in procs)
    for p in procs:
        p.join(timeout=10)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {COPY_TABLE}")
    return {
        "processes": processes,
        "batch_size": batch_size,
        "seconds": seconds,
        "rows_per_s": round(total / seconds, 1),
    }
