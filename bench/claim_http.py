"""Claim-next measured the way reviewers claim: separate client processes over HTTP, at 1M cases.

64 reviewers (role reviewer, which needs no second factor: accounts.TOTP_ROLES), each with
its own session cookie and keep-alive connection, spread over 8 client processes
(bench/http_reviewer.py), sign in through the real login form (CSRF included), then loop:
POST /queues/<slug>/next, GET the case it redirects to, pause, POST the case's decision
form with verdict not_csam. A not_csam decision closes the case, so a claimed case leaves
the queue for good; releasing would hand the same best case straight back. 1M cases hold
~370k open in the csam queue: a 10-minute stress run closes a small share of them.

Two runs against one server: with think time (uniform 2-5 s between the case page and the
decision: a real reviewer takes a minute or more per case, so 64 reviewers at 2-5 s stand
for a team of over a thousand; --think-minutes) and without (stress, --minutes), then the
raw ceiling: claim and close straight over psycopg from separate processes (as
bench/claim_churn.py), timed per transaction, on the same data and the same cores.

The server is started as the docker image starts it (gunicorn -c python:casework.gunicorn_conf,
its defaults for 2 cores: 4 gthread workers x 4 threads), DEBUG off, DATABASE_URL as the
application's role, plus a Celery worker (--concurrency=2) and beat, as docker/compose.yaml
runs them. With DEBUG off plain HTTP is redirected to HTTPS and cookies are Secure: the
clients send X-Forwarded-Proto: https as compose's TLS proxy does, and the server trusts it
(TRUST_X_FORWARDED_PROTO=true, TRUSTED_PROXY_COUNT=1, as compose sets them); SSL redirect
stays on. Server time is gunicorn's own %(D)s per request, from an access log kept for the
bench only (--access-logformat; the claim POSTs carry an X-Bench tag to join them to the
client's timings). Double claims are checked in the clients' results (a case handed to two
reviewers) and in the database afterwards (case.claimed events and decisions per case).

    CASEWORK_DATA_DIR=/tmp/bench-claim /work/main/.venv/bin/python bench/claim_http.py \\
        --seed --minutes 10 --think-minutes 3

Writes bench/results/claim_http.json (--out) and prints it; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import claim_http_runs as runs  # noqa: E402
from bench import common  # noqa: E402
from bench.common import log  # noqa: E402

PASSWORD = "bench-reviewer-password-1"  # noqa: S105 (synthetic users)
SEED_INFO = "bench-cases-seed.json"


def migrate(data_dir: Path) -> None:
    """Bring a reused folder's database up to the code under test (a seed may be older)."""
    env = dict(os.environ, CASEWORK_DATA_DIR=str(data_dir))
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)


def seed_if_needed(data_dir: Path, cases: int) -> dict:
    """bench/cases.py --seed-only, unless this folder holds the cases already."""
    info = data_dir / SEED_INFO
    if info.exists() and json.loads(info.read_text()).get("cases", 0) >= cases:
        return json.loads(info.read_text()) | {"reused": True}
    env = dict(os.environ, CASEWORK_DATA_DIR=str(data_dir))
    python = sys.executable
    subprocess.run(
        [python, "bench/cases.py", "--cases", str(cases), "--seed-only"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(info.read_text())


def reviewers(count: int) -> list[str]:
    """bench-http-reviewer-NN users with role reviewer and a known password (made once:
    checking the password of existing ones would cost a PBKDF2 each)."""
    from django.contrib.auth import get_user_model

    from casework import accounts

    names = []
    for i in range(count):
        name = f"bench-http-reviewer-{i + 1:02d}"
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = accounts.create_user(
                name, role="reviewer", password=PASSWORD, created_by="system:bench"
            )
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="seed 1M cases first if missing")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reviewers", type=int, default=64)
    parser.add_argument("--processes", type=int, default=8, help="client processes")
    parser.add_argument("--minutes", type=float, default=10, help="stress run (no think; 0: skip)")
    parser.add_argument("--think-minutes", type=float, default=3, help="0: skip that run")
    parser.add_argument("--think", default="2,5", help="think time range in s (uniform)")
    parser.add_argument("--raw-seconds", type=float, default=60)
    parser.add_argument("--raw-clients", type=int, default=8)
    parser.add_argument("--queue", default="csam")
    parser.add_argument("--port", type=int, default=8460)
    parser.add_argument(
        "--stress-case-page",
        action="store_true",
        help="the stress run GETs each claimed case's page too (the think run always does)",
    )
    parser.add_argument(
        "--gunicorn", help="WORKERSxTHREADS instead of gunicorn_conf's defaults (4x4 on 2 cores)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "claim_http.json"))
    args = parser.parse_args()

    data_dir = Path(os.environ.get("CASEWORK_DATA_DIR", "")).resolve()
    if os.environ.get("CASEWORK_DATA_DIR"):
        migrate(data_dir)
    if args.seed and os.environ.get("CASEWORK_DATA_DIR"):
        seeding = seed_if_needed(data_dir, args.cases)
    else:
        seeding = json.loads((data_dir / SEED_INFO).read_text()) if data_dir.is_dir() else {}
    data_dir, owner_url = common.bench_database("it closes cases and adds reviewers")
    from casework import env

    app_url = os.environ[env.EMBEDDED_DATABASE_URL]
    broker_url = os.environ[env.EMBEDDED_BROKER_URL]
    os.environ["DATABASE_URL"] = owner_url  # this process only: users, and the checks after
    os.environ["DEBUG"] = "true"  # its own settings only; the servers run with DEBUG off
    import django

    django.setup()
    usernames = reviewers(args.reviewers)
    from django.db import connection

    connection.close()

    logs = Path(tempfile.mkdtemp(prefix="bench-claim-http-"))
    report: dict = {
        "benchmark": "claim_http",
        "machine_before": common.machine(),
        "options": vars(args) | {"logs": str(logs)},
        "seeding": {k: seeding.get(k) for k in ("cases", "seeded_at", "reused")},
        "targets": {"server_p95_ms": 20, "first_vs_last_minute_within": 0.10},
    }
    gunicorn = tuple(int(n) for n in args.gunicorn.split("x")) if args.gunicorn else None
    servers = runs.Servers(data_dir, app_url, broker_url, args.port, logs, gunicorn)
    try:
        servers.start()
        report["server"] = servers.describe()
        think = tuple(float(x) for x in args.think.split(","))
        plan = []
        if args.think_minutes:
            plan.append(("think", args.think_minutes, think))
        if args.minutes:
            plan.append(("stress", args.minutes, (0.0, 0.0)))
        report["runs"] = {}
        cookies: dict = {}  # each reviewer signs in once, through the form, for both runs
        for name, minutes, think_s in plan:
            conf = {
                "run": name,
                "port": args.port,
                "queue": args.queue,
                "usernames": usernames,
                "password": PASSWORD,
                "think_s": think_s,
                "view_case": name == "think" or args.stress_case_page,
                "verdict": "not_csam",
                "cookies": cookies,
            }
            log(f"{name}: {args.reviewers} reviewers in {args.processes} processes, {minutes} min")
            report["runs"][name] = runs.http_run(
                servers, conf, args.processes, minutes * 60, owner_url
            )
            cookies = report["runs"][name].pop("cookies")
            log(f"  {runs.one_line(report['runs'][name])}")
        report["memory_end_kib"] = servers.memory()
    finally:
        servers.stop()
    log(f"raw ceiling: {args.raw_clients} psycopg processes, {args.raw_seconds} s")
    report["raw_ceiling"] = runs.raw_ceiling(
        app_url, args.queue, args.raw_clients, args.raw_seconds
    )
    log(
        f"  {report['raw_ceiling']['claims_per_s']} claims/s, p95 {report['raw_ceiling']['p95_ms']}"
    )
    report["machine_after"] = common.machine()
    report["verdict"] = runs.verdict(report)
    text = json.dumps(report, indent=2, default=str)
    Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    main()
