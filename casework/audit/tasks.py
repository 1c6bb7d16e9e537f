"""Background work on the audit log."""

from __future__ import annotations

import time

from celery import shared_task

from casework.audit import checkpoints
from casework.audit.chain import SEAL_BATCH, seal_pending

# Within the one-second schedule, so runs do not queue up behind each other.
SEAL_RUN_SECONDS = 0.5


@shared_task(ignore_result=True)
def seal_audit_events() -> int:
    """Chain the audit events written since the last run (scheduled every second), and sign
    a checkpoint when AUDIT_CHECKPOINT_SECONDS have passed since the last one."""
    sealed = 0
    deadline = time.monotonic() + SEAL_RUN_SECONDS
    while True:  # a full batch means more are waiting: a burst is sealed as it comes
        count = seal_pending()
        sealed += count
        if count < SEAL_BATCH or time.monotonic() > deadline:
            break
    checkpoints.publish(force=False)
    return sealed
