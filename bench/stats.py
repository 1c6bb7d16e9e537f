"""The metrics page's server time at scale: GET /stats/ for each range, as a lead.

Runs on the data bench/cases.py seeded (its own CASEWORK_DATA_DIR, never var/), through
django.test.Client with DEBUG off, a few requests per range after one warm-up; reports the
server time per range, with the machine's load.

    CASEWORK_DATA_DIR=/tmp/bench-cases .venv/bin/python bench/stats.py --requests 5

Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

from bench import common  # noqa: E402

RANGES = ("24h", "7d", "30d")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    _, owner_url = common.bench_database("it is meant for bench/cases.py's data")
    os.environ["DATABASE_URL"] = owner_url
    os.environ["DEBUG"] = "true"  # the development run's settings; pages timed with it off
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from casework import accounts, roles

    settings.DEBUG = False
    lead = get_user_model().objects.filter(groups__name=roles.ESCALATION_LEAD).first()
    if lead is None:
        raise SystemExit("no lead in this data: seed it with bench/cases.py first")
    client = Client(HTTP_HOST="localhost")
    client.force_login(lead)
    # A lead's pages need the second factor: mark this session as one whose identity provider
    # asserted MFA, as an OIDC sign-in does, instead of typing a TOTP code.
    session = client.session
    session[accounts.PROVIDER_MFA_SESSION_KEY] = True
    session.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_case")
        n_cases = cursor.fetchone()[0]
    report: dict = {"benchmark": "stats", "cpu_count": os.cpu_count(), "cases": n_cases}
    report["load_avg_start"] = os.getloadavg()
    for name in RANGES:
        path = f"/stats/?range={name}"
        assert client.get(path).status_code == 200  # warm-up
        samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            samples.append(time.perf_counter() - started)
        figures = {f"p{p:g}_ms": round(1000 * v, 1) for p, v in common.percentiles(samples).items()}
        report[name] = figures
        print(f"{name}: {report[name]}", file=sys.stderr, flush=True)
    report["load_avg_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
