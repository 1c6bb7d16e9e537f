"""Background work on cases."""

from __future__ import annotations

import logging

from celery import shared_task

from casework.cases import filing

log = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def file_report(report_id: int) -> int:
    """File a ready report into its case; returns the case id."""
    return filing.file_report(report_id).pk


@shared_task
def file_unfiled_reports() -> int:
    """Queue again ready reports that never reached a case."""
    ids = filing.unfiled_report_ids()
    for report_id in ids:
        file_report.delay(report_id)
    if ids:
        log.info("re-queued %s unfiled reports", len(ids))
    return len(ids)
