"""The Celery app (`celery -A casework worker` finds it here)."""

import os
import sys

from celery import Celery

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
