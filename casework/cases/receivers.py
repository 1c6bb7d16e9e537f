"""A report is ready: file it into its case in the background, once the report is saved."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.signals import media_matched, report_ready

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


@receiver(media_matched)
def reroute_matched_case(sender: Any, media: Any, report_id: int, **kwargs: Any) -> None:
    """A filed report's media matched a list late: its case may belong in the CSAM queue."""
    from casework.cases.filing import reroute_after_match

    reroute_after_match(report_id)
