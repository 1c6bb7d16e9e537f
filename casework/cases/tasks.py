"""Background work on cases."""

from __future__ import annotations

import logging

from celery import shared_task

from casework.cases import filer

log = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def file_waiting_reports() -> int:
    """File every ready report not yet in a case, in batches; returns how many were filed."""
    return filer.file_waiting_reports()


@shared_task
def file_unfiled_reports() -> int:
    """The sweep behind the wake-ups (a lost wake-up, a broker outage): file what waits."""
    filed = filer.file_waiting_reports()
    if filed:
        log.info("the sweep filed %s reports", filed)
    return filed
