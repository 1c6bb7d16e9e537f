"""How long media processing takes to resume after its worker is SIGKILLed mid-task.

    .venv/bin/python bench/worker_recovery.py [--runs 3] [--broker-only --visibility-timeout 30]

In a data folder of its own (embedded PostgreSQL and Redis, as the development run), this
starts Casework's Celery beat and a worker (prefork, one child), takes in a report with one
synthetic 7000x7000 PNG, SIGKILLs the worker's whole process group as soon as an attempt
has claimed the media item, starts a fresh worker at once (as a service manager would), and
times kill -> processed. With beat running, the lease sweep brings the item back
(MEDIA_LEASE_SECONDS + MEDIA_SWEEP_SECONDS at most); --broker-only runs no beat, so only the
broker's redelivery after CELERY_VISIBILITY_TIMEOUT brings it back (the one way there was
before leases), shown with a short timeout instead of the default 600 s.

Prints JSON on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[worker-recovery {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def celery(folder: Path, label: str, *args: str) -> subprocess.Popen:
    out = (folder / f"{label}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "casework", *args, "--loglevel=INFO"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool child
    )
    out.close()
    return proc


def worker(folder: Path, label: str) -> subprocess.Popen:
    return celery(
        folder,
        label,
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname={label}@%h",
    )


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def take_in(run: int) -> int:
    """One report with one 49-megapixel PNG, through intake as the API stores it."""
    from reports import synthetic
    from reports.intake import Upload, receive_report, validate
    from reports.models import Media, Platform

    document = {
        "source": "api",
        "external_id": f"recovery-{run}-{time.time_ns()}",
        "reported_at": "2026-11-01T12:00:00Z",
        "reason": "csam",
    }
    upload = Upload("media[0]", "big.png", synthetic.big_png(mode="RGB"))
    report, media = validate(document, [upload])
    platform, _ = Platform.objects.get_or_create(name="bench-recovery")
    row, _ = receive_report(platform=platform, report=report, media=media, payload={})
    return Media.objects.get(report=row).pk


def one_run(folder: Path, run: int, timeout: float) -> dict | None:
    from reports.leases import QUEUED
    from reports.models import Media

    first = worker(folder, f"worker-{run}a")
    time.sleep(8)  # let it connect before the task is queued
    media_id = take_in(run)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        media = Media.objects.only("lease_holder", "status").get(pk=media_id)
        if media.status != "pending":
            stop(first)
            return None  # processed before the kill could land: not a measurement
        if media.lease_holder not in ("", QUEUED):
            break
        time.sleep(0.005)
    stop(first, signal.SIGKILL)
    killed = time.monotonic()
    replacement = worker(folder, f"worker-{run}b")
    try:
        while time.monotonic() - killed < timeout:
            media = Media.objects.only("status", "attempts").get(pk=media_id)
            if media.status != "pending":
                return {
                    "seconds": round(time.monotonic() - killed, 2),
                    "status": media.status,
                    "attempts": media.attempts,
                }
            time.sleep(0.1)
        return {"seconds": None, "status": "pending after timeout", "timeout": timeout}
    finally:
        stop(replacement)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--broker-only", action="store_true", help="no beat: no lease sweep")
    parser.add_argument("--visibility-timeout", type=int, default=30)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="casework-bench-recovery-"))
    os.environ.update(CASEWORK_DATA_DIR=str(folder), DEBUG="true")
    if args.broker_only:
        os.environ["CELERY_VISIBILITY_TIMEOUT"] = str(args.visibility_timeout)
    from casework.devrun.services import ensure_started

    ensure_started()  # the embedded servers; their addresses go to every child's environment
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    django.setup()
    call_command("migrate", verbosity=0)
    beat = None if args.broker_only else celery(folder, "beat", "beat", "-s", str(folder / "s"))
    runs = []
    timeout = args.visibility_timeout + 60 if args.broker_only else 120
    try:
        while len(runs) < args.runs:
            log(f"run {len(runs) + 1} of {args.runs}")
            result = one_run(folder, len(runs), timeout)
            if result is not None:
                runs.append(result)
                log(f"recovered: {result}")
    finally:
        if beat is not None:
            stop(beat)
    seconds = [r["seconds"] for r in runs if r["seconds"] is not None]
    print(
        json.dumps(
            {
                "mode": "broker only (no beat)" if args.broker_only else "lease sweep (beat)",
                "media_lease_seconds": settings.MEDIA_LEASE_SECONDS,
                "media_sweep_seconds": settings.MEDIA_SWEEP_SECONDS,
                "celery_visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS[
                    "visibility_timeout"
                ],
                "runs": runs,
                "median_seconds": statistics.median(seconds) if seconds else None,
                "max_seconds": max(seconds) if seconds else None,
                "data_folder": str(folder),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
