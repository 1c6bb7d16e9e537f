"""The Celery app (`celery -A casework worker` finds it here)."""

import os
import sys
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
if "casework.settings" not in sys.modules:
    # Imported before the settings: this is the Celery command line starting a worker or
    # beat, an entry point; inside a Django process the settings came first and the
    # process's own entry point has already started what it needs.
    from casework.devrun.services import ensure_started

    ensure_started()

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    [
        "reports",
        "reports.exchanges",
        "casework.cases",
        "casework.audit",
        "casework.escalation",
        "casework.preservation",
    ]
)


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_privileged_role(**_: object) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from casework import db_roles

    try:
        db_roles.refuse_privileged_role()
    except ImproperlyConfigured as refusal:
        # Celery logs and swallows a receiver's exceptions; this one must stop the start.
        raise SystemExit(f"ImproperlyConfigured: {refusal}") from refusal


@signals.after_setup_logger.connect
def _quieten_routine_tasks(**_: object) -> None:
    from casework.quiet_logs import quieten_routine_tasks

    quieten_routine_tasks()


_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _time_task(task_id: str, **_: object) -> None:
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _record_task(task_id: str, task: object, state: str | None = None, **_: object) -> None:
    from casework import metrics

    started = _task_started.pop(task_id, None)
    if started is not None:
        metrics.task_finished(
            task.name, time.perf_counter() - started, failed=state in {"FAILURE", "RETRY"}
        )


@signals.worker_process_init.connect
def limit_worker_memory(**_: object) -> None:
    """Cap this worker process's address space at WORKER_MEMORY_LIMIT_MB: a hostile file
    makes its own allocation fail (MemoryError) rather than take the machine's memory."""
    import resource

    from django.conf import settings

    limit_mb = settings.WORKER_MEMORY_LIMIT_MB
    if limit_mb <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = limit_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
