"""A report is ready: file it into its case in the background, once the report is saved."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.signals import report_ready

log = logging.getLogger(__name__)


@receiver(report_ready)
def file_ready_report(sender: Any, report: Any, **kwargs: Any) -> None:
    """Once committed, file the report into its case in the background."""
    from casework.cases.tasks import file_report

    report_id = report.pk
    transaction.on_commit(lambda: _enqueue_filing(file_report, report_id))


def _enqueue_filing(task: Any, report_id: int) -> None:
    try:
        task.delay(report_id)
    except Exception:
        log.exception("could not queue filing of report %s; the sweep will retry", report_id)
