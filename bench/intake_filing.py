"""Figures bench/intake.py takes beside the HTTP load: how long reports waited between
intake and their case (the report's received_at to its case link's added_at, i.e.
claimable), and the raw ceiling of
idempotent single-row INSERTs from Python in separate processes on the same database."""

from __future__ import annotations

import multiprocessing
import time

import psycopg

RAW_TABLE = "bench_raw_intake"
LAG = "extract(epoch FROM cr.added_at - r.received_at)"
IN_RUN = "r.received_at BETWEEN %s::timestamptz AND %s::timestamptz"


def database_now(pg_url: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute("SELECT now()::text").fetchone()[0]


def filing_lag(pg_url: str, since: str, until: str, wait_seconds: float = 60) -> dict:
    """Reports received in [since, until]: wait until all are filed (or wait_seconds), then
    the intake-to-case delay's percentiles, and how many are still unfiled."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        deadline = time.monotonic() + wait_seconds
        while True:
            waiting = conn.execute(
                f"""SELECT count(*) FROM reports_report r
                JOIN reports_unfiledreport u ON u.report_id = r.id WHERE {IN_RUN}""",  # noqa: S608
                [since, until],
            ).fetchone()[0]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        row = conn.execute(
            f"""SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {LAG}),
                percentile_cont(0.95) WITHIN GROUP (ORDER BY {LAG}), max({LAG})
            FROM reports_report r JOIN casework_casereport cr ON cr.report_id = r.id
            WHERE {IN_RUN}""",  # noqa: S608
            [since, until],
        ).fetchone()
        cases = conn.execute(
            f"""SELECT count(DISTINCT cr.case_id) FROM casework_casereport cr
               JOIN reports_report r ON r.id = cr.report_id WHERE {IN_RUN}""",  # noqa: S608
            [since, until],
        ).fetchone()[0]
    filed, p50, p95, worst = row
    return {
        "reports_filed": filed,
        "still_unfiled_after_wait": waiting,
        "cases": cases,
        "intake_to_case_s": {
            "p50": round(float(p50 or 0), 3),
            "p95": round(float(p95 or 0), 3),
            "max": round(float(worst or 0), 3),
        },
    }


def _raw_inserter(pg_url: str, worker: int, seconds: float, go, results) -> None:
    body = '{"source": "classifier", "reason": "csam", "description": "raw ceiling"}'
    with psycopg.connect(pg_url, autocommit=True) as conn:
        go.wait()
        deadline = time.monotonic() + seconds
        done = 0
        while time.monotonic() < deadline:
            conn.execute(
                f"INSERT INTO {RAW_TABLE} (platform_id, source, external_id, payload)"  # noqa: S608
                " VALUES (1, 'classifier', %s, %s) ON CONFLICT DO NOTHING RETURNING id",
                [f"w{worker}-{done}", body],
            ).fetchone()
            done += 1
    results.put(done)


def fresh_raw_table(pg_url: str, name: str) -> None:
    """An empty table shaped like a report row as the ceilings write it, with its unique key."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(
            f"""CREATE TABLE {name} (id bigserial PRIMARY KEY, platform_id int,
                source text, external_id text, payload jsonb,
                received_at timestamptz DEFAULT now(),
                UNIQUE (platform_id, source, external_id))"""
        )


def raw_insert_ceiling(pg_url: str, processes: int, seconds: float) -> dict:
    """Idempotent single-row INSERT ... ON CONFLICT DO NOTHING RETURNING from separate
    processes, one connection each, autocommit: the database's own rate for what intake
    does per report."""
    fresh_raw_table(pg_url, RAW_TABLE)
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_raw_inserter, args=(pg_url, i, seconds, go, results))
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    time.sleep(2)  # connected
    go.set()
    total = sum(results.get(timeout=seconds + 60) for _ in procs)
    for p in procs:
        p.join(timeout=10)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {RAW_TABLE}")
    return {"processes": processes, "seconds": seconds, "rows_per_s": round(total / seconds, 1)}
