"""Loaded into a test worker with `celery worker -I tests.reports.dying_worker`: processing a
file that carries KILL_MARK kills the worker process at once, as the kernel's OOM killer
would, and one that carries HOLD_MARK makes it work on for ten minutes (killed meanwhile by
the test). Each start is noted in the file DYING_WORKER_NOTES names."""

from __future__ import annotations

import os
import time

from reports import tasks

KILL_MARK = b"casework-test:kill-the-worker"
HOLD_MARK = b"casework-test:hold-the-worker"
_process_bytes = tasks.process_bytes


def _note(word: str) -> None:
    with open(os.environ["DYING_WORKER_NOTES"], "a") as notes:
        notes.write(f"{word} {os.getpid()}\n")


def process_bytes_or_die(data: bytes, kind: str):
    if KILL_MARK in data:
        _note("killed")
        os._exit(137)
    if HOLD_MARK in data:
        _note("holding")
        time.sleep(600)
    return _process_bytes(data, kind)


tasks.process_bytes = process_bytes_or_die
