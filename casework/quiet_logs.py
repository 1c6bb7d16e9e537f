"""Tasks the scheduler runs every minute or more often, and the filer's wake-ups, log only
when they did something: the audit sealer runs every second, and its "received" and
"succeeded: 0" lines were nearly all of a worker's log."""

from __future__ import annotations

import logging

from django.conf import settings

# Scheduled at least this often, a task is routine: its runs are not news.
ROUTINE_SECONDS = 60
NOTHING_DONE = {"0", "None", "[]", "{}", "()"}
# Queued many times a second under load (the batch filer's wake-ups): routine too.
WOKEN_TASKS = ("casework.cases.tasks.file_waiting_reports",)


def routine_tasks() -> dict[str, str]:
    """Task name -> schedule entry name, for the entries run at least every ROUTINE_SECONDS."""
    scheduled = {
        entry["task"]: name
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if isinstance(entry["schedule"], int | float) and entry["schedule"] <= ROUTINE_SECONDS
    }
    return {**dict.fromkeys(WOKEN_TASKS, ""), **scheduled}


class RoutineTaskFilter(logging.Filter):
    """Drops a routine task's "received" line, its "succeeded" line when it did nothing, and
    beat's "Sending due task" line for it. Its failures, and any run that did work, stay."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks = routine_tasks()
        self.entries = set(self.tasks.values()) - {""}

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict) and args.get("name") in self.tasks:
            if record.msg.endswith("received"):
                return False
            if "succeeded" in record.msg:
                return str(args.get("return_value")) not in NOTHING_DONE
        if isinstance(args, tuple) and args and record.msg.startswith("Scheduler: Sending"):
            return args[0] not in self.entries
        return True


def quieten_routine_tasks() -> None:
    """Install the filter on the loggers Celery's worker and beat write those lines to."""
    routine = RoutineTaskFilter()
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).addFilter(routine)
