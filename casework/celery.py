"""The Celery app (`celery -A casework worker` finds it here)."""

import os
import sys

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
if "casework.settings" not in sys.modules:
    # Imported before the settings: this is the Celery command line starting a worker or
    # beat, an entry point; inside a Django process the settings came first and the
    # process's own entry point has already started what it needs.
    from casework.devrun.services import ensure_started

    ensure_started()

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["reports", "casework.cases", "casework.audit", "casework.escalation"])


@worker_process_init.connect
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
