"""Background work on the audit log."""

from __future__ import annotations

from celery import shared_task

from casework.audit import checkpoints
from casework.audit.chain import seal_pending


@shared_task(ignore_result=True)
def seal_audit_events() -> int:
    """Chain the audit events written since the last run (scheduled every second), and sign
    a checkpoint when AUDIT_CHECKPOINT_SECONDS have passed since the last one."""
    sealed = seal_pending()
    checkpoints.publish(force=False)
    return sealed
