"""Claim throughput as cases churn: does raw claim-next slow down as closed cases pile up?

Each client process claims the best open case of the CSAM queue with the query
claim_next_case sends (FOR UPDATE SKIP LOCKED, best priority first) and closes it at once,
in a tight loop, straight over psycopg (no Django: this is the database's ceiling). Every
closed case leaves a dead entry at the head of the open-cases index the next claim walks,
until (auto)vacuum clears it. Claims per second are reported per window, so a slowdown over
the run shows as a falling series; `first_vs_last` compares the first window with the last.

Runs against the data bench/cases.py seeded (its own CASEWORK_DATA_DIR, never var/):

    CASEWORK_DATA_DIR=/tmp/bench-cases .venv/bin/python bench/claim_churn.py --seconds 60

Prints one JSON document on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import log  # noqa: E402

CLAIM = """
    SELECT id FROM casework_case
    WHERE queue_id = %s AND status IN ('new', 'in_review')
      AND (holder_id IS NULL OR lease_expires_at <= now())
    ORDER BY priority DESC, created_at
    LIMIT 1 FOR UPDATE SKIP LOCKED
"""
CLOSE = "UPDATE casework_case SET status = 'closed', verdict = 'not_csam' WHERE id = %s"


def client(url: str, queue_id: int, start: float, until: float, window: float, out) -> None:
    import psycopg

    counts: dict[int, int] = {}
    with psycopg.connect(url, autocommit=False) as conn:
        while (now := time.time()) < until:
            with conn.cursor() as cursor:
                cursor.execute(CLAIM, [queue_id])
                row = cursor.fetchone()
                if row is None:  # the queue ran dry: windows from here on are not full
                    out.put(("dry", now))
                    break
                cursor.execute(CLOSE, [row[0]])
            conn.commit()
            slot = int((now - start) // window)
            counts[slot] = counts.get(slot, 0) + 1
    out.put(("counts", counts))


def dead_tuples(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT n_dead_tup, n_live_tup, autovacuum_count, last_autovacuum"
            " FROM pg_stat_user_tables WHERE relname = 'casework_case'"
        ).fetchone()
    return {"dead": row[0], "live": row[1], "autovacuums": row[2], "last_autovacuum": row[3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--window", type=float, default=5)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    _, url = common.bench_database("it closes cases")
    import psycopg

    with psycopg.connect(url) as conn:
        queue_id = conn.execute("SELECT id FROM casework_queue WHERE slug = 'csam'").fetchone()[0]
        options = conn.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'casework_case'"
        ).fetchone()[0]
        naptime = conn.execute("SHOW autovacuum_naptime").fetchone()[0]
    report = {
        "benchmark": "claim_churn",
        "cpu_count": os.cpu_count(),
        "load_avg_start": os.getloadavg(),
        "clients": args.clients,
        "table_options": options,
        "autovacuum_naptime": naptime,
        "before": dead_tuples(url),
    }
    log(f"{args.clients} clients claim and close for {args.seconds} s")
    out: multiprocessing.Queue = multiprocessing.Queue()
    start = time.time()
    until = start + args.seconds
    procs = [
        multiprocessing.Process(target=client, args=(url, queue_id, start, until, args.window, out))
        for _ in range(args.clients)
    ]
    for proc in procs:
        proc.start()
    totals: dict[int, int] = {}
    full_windows = int(args.seconds // args.window)
    finished = 0
    while finished < len(procs):
        kind, value = out.get()
        if kind == "dry":
            full_windows = min(full_windows, int((value - start) // args.window))
            report["queue_ran_dry_after_s"] = round(value - start, 1)
            continue
        finished += 1
        for slot, n in value.items():
            totals[slot] = totals.get(slot, 0) + n
    for proc in procs:
        proc.join()
    series = [round(totals.get(s, 0) / args.window, 1) for s in range(full_windows)]
    report["claims_per_s_by_window"] = series
    report["window_s"] = args.window
    report["claims"] = sum(totals.values())
    if len(series) >= 2 and series[0]:
        report["first_vs_last"] = round(series[-1] / series[0], 3)
    report["after"] = dead_tuples(url)
    report["load_avg_end"] = os.getloadavg()
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
