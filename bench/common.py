"""What several benchmarks share: percentiles of timings, sampling pg_stat_activity, and
the processes a benchmark starts (a free port, a process group started and stopped, CPU
seconds of a process tree, the machine's cores and load), and the embedded database of a
benchmark's own data folder.

The scripts run as `python bench/<name>.py` and put the repository root on sys.path first,
so they import this as `from bench import common`. It needs nothing beyond the standard
library until a sampler is started (then psycopg) or CPU is read (then psutil), so the
scripts that only time code do not pull in a database driver by importing it.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

# How a percentile picks its value from the sorted samples. Each benchmark has printed its
# figures one way for a long time, and results are compared across sessions (bench/results),
# so the method stays a choice rather than being unified into one definition:
#   nearest_rank  the smallest sample with at least p% of the samples at or below it
#                 (bench/intake.py, bench/cases.py)
#   linear        interpolated between the two nearest ranks, bit for bit what
#                 numpy.percentile does by default (bench/pdq_index.py)
#   nearest       the sample at the rounded position p% of the way from the first to the
#                 last, halves to even (bench/media_processing.py's p95)
Method = Literal["nearest_rank", "linear", "nearest"]

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_database(what_it_does: str) -> tuple[Path, str]:
    """Start the embedded PostgreSQL of CASEWORK_DATA_DIR and return (that folder, its
    owner's URL). Refuses the project's own var/ and any DATABASE_URL: these benchmarks
    change the data (`what_it_does` says how), so they run on a folder of their own."""
    if os.environ.get("DATABASE_URL"):
        raise SystemExit(f"refusing: {what_it_does}; run with CASEWORK_DATA_DIR instead")
    data_dir = Path(os.environ.get("CASEWORK_DATA_DIR", ROOT / "var")).resolve()
    if data_dir == (ROOT / "var").resolve():
        raise SystemExit(f"refusing the project's own var/ ({what_it_does}): set CASEWORK_DATA_DIR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    from casework import env
    from casework.devrun.services import ensure_started

    ensure_started()  # the script is an entry point: the embedded database of its folder
    return data_dir, os.environ[env.EMBEDDED_OWNER_DATABASE_URL]


def percentiles(
    values: Iterable[float], ps: Iterable[float] = (50, 95, 99), *, method: Method = "nearest_rank"
) -> dict[float, float]:
    """{p: the p-th percentile of values} for every p in ps (0..100), sorting only once.
    With no values every percentile is NaN, which json.dumps writes as NaN."""
    ordered = sorted(values)
    return {p: _pick(ordered, p, method) for p in ps}


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """{"p50", "p95", "max"} of values (nearest rank), rounded; {} when there are none."""
    if not values:
        return {}
    pick = percentiles(values, (50, 95))
    return {
        "p50": round(pick[50], digits),
        "p95": round(pick[95], digits),
        "max": round(max(values), digits),
    }


def percentile(values: Iterable[float], p: float, *, method: Method = "nearest_rank") -> float:
    """The p-th percentile (0..100) of values; see percentiles."""
    return percentiles(values, (p,), method=method)[p]


def _pick(ordered: Sequence[float], p: float, method: Method) -> float:
    n = len(ordered)
    if not n:
        return float("nan")
    # p / 100 rather than a fraction passed in: 95 / 100 is the same double as 0.95, so the
    # positions below are exactly those the scripts computed before they shared this.
    q = p / 100
    if method == "nearest_rank":
        return ordered[min(n - 1, max(0, math.ceil(q * n) - 1))]
    if method == "nearest":
        return ordered[min(n - 1, round(q * (n - 1)))]
    if method != "linear":
        raise ValueError(f"unknown percentile method {method!r}")
    position = (n - 1) * q
    low = math.floor(position)
    high = min(low + 1, n - 1)
    weight = position - low
    a, b = ordered[low], ordered[high]
    # numpy's own formula (numpy.lib._function_base_impl._lerp): from the nearer end, so a
    # figure comes out the same as numpy.percentile's to the last bit, inf samples included.
    if weight >= 0.5:
        return b - (b - a) * (1 - weight)
    return a + (b - a) * weight


# --- pg_stat_activity -------------------------------------------------------------------------


class Backend(NamedTuple):
    """One client backend of the database, as pg_stat_activity showed it in one sample."""

    pid: int
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    query: str | None  # its first 50 characters


def state_of(backend: Backend) -> str:
    """The default grouping of backends: by their state alone."""
    return backend.state or "?"


_ACTIVITY = (
    "SELECT pid, state, wait_event_type, wait_event, left(query, 50) FROM pg_stat_activity"
    " WHERE datname = current_database() AND backend_type = 'client backend'"
    " AND pid <> pg_backend_pid()"
)
# NULL states (other roles' backends, seen without the privilege) fall out here too.
_ACTIVITY_BUSY = _ACTIVITY + " AND state <> 'idle'"


class PgActivitySampler:
    """Polls pg_stat_activity for the database of `dsn` every `interval` seconds, on a
    connection and a thread of its own, while a benchmark runs; then tells how many client
    backends there were at once at the most (peak), how many different ones it saw, and how
    many were in each group on average (mean_by_state). `classify` names a backend's group.

    The figures are extras next to a benchmark's own: a failure (no database, no psycopg)
    is kept in `error` and never raised. With no dsn it does nothing at all. Subclasses
    read more from the same connection in on_open and on_stop, the two ends of a run."""

    def __init__(
        self,
        dsn: str | None,
        *,
        interval: float = 0.01,
        include_idle: bool = True,
        classify: Callable[[Backend], str] = state_of,
    ) -> None:
        self.dsn = dsn
        self.interval = interval
        self.sql = _ACTIVITY if include_idle else _ACTIVITY_BUSY
        self.classify = classify
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self.peak = 0
        self.pids: set[int] = set()
        self.error = ""
        self.conn: Any = None
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @property
    def backends_seen(self) -> int:
        return len(self.pids)

    def open(self) -> None:
        """Connect (start does when this was not called): callers that open first have
        their first sample taken the moment they start, not a connection setup later."""
        if self.conn is not None or not self.dsn or self.error:
            return
        try:
            import psycopg

            self.conn = psycopg.connect(self.dsn, autocommit=True)
            self.on_open(self.conn)
        except Exception as exc:  # see the class: never fail the benchmark for these figures
            self.error = f"{type(exc).__name__}: {exc}"
            self._close()

    def start(self) -> None:
        self.open()
        if self.conn is not None:
            self._thread.start()

    def stop(self) -> None:
        """Stop sampling, give on_stop the connection, and close it."""
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                # Still inside a query: the connection is the thread's until it returns.
                self.error = self.error or "the sampler did not stop within 5 s"
                return
        if self.conn is not None and not self.error:
            try:
                self.on_stop(self.conn)
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
        self._close()

    def mean_by_state(self, top: int | None = None) -> dict[str, float]:
        """Average number of backends in each group per sample, the most common first
        (the `top` most common only, when given)."""
        samples = max(1, self.samples)
        return {key: round(n / samples, 2) for key, n in self.counts.most_common(top)}

    def on_open(self, conn: Any) -> None:
        """Called with the new connection before the first sample."""

    def on_stop(self, conn: Any) -> None:
        """Called with the connection after the last sample."""

    def _poll(self) -> None:
        try:
            while True:
                rows = [Backend(*row) for row in self.conn.execute(self.sql).fetchall()]
                self.samples += 1
                self.peak = max(self.peak, len(rows))
                for backend in rows:
                    self.pids.add(backend.pid)
                    self.counts[self.classify(backend)] += 1
                if self._halt.wait(self.interval):
                    return
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def _close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


# --- processes --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The cores and load average, recorded with figures from a shared small machine."""
    return {"cpu_count": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_group(
    cmd: list[str], log_path: Path, ready: Callable[[], bool], *, cwd: Path, env: dict[str, str]
) -> subprocess.Popen:
    """Start cmd in a process group of its own, its output appended to log_path, and wait
    until ready() (at most two minutes; a process that exits first is an error)."""
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_group(proc)
            raise RuntimeError(f"{cmd[:3]} did not start (exit {proc.returncode}): {log_path}")
        time.sleep(0.2)
    return proc


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Stop a process started with start_new_session=True and everything in its group:
    SIGTERM, then SIGKILL after `timeout` seconds, and SIGKILL for any child left behind."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def tree_cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """{name: CPU seconds so far of that process and its living children}. Children that
    exited in between take their time with them: compare snapshots of long-lived trees."""
    import psutil

    totals = {}
    for name, pid in pids.items():
        totals[name] = 0.0
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    totals[name] += times.user + times.system
    return totals
