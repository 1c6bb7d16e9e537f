"""Background work on the audit log."""

from __future__ import annotations

from celery import shared_task

from casework.audit.chain import seal_pending


@shared_task(ignore_result=True)
def seal_audit_events() -> int:
    """Chain the audit events written since the last run (scheduled every second)."""
    return seal_pending()
