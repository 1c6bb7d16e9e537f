"""A report is ready: wake the batch filer once the report is saved; a filed report's media
matched a list late: its case may move; a hash-list entry was quarantined: the open cases it
matched lose the priority it gave them."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.signals import hash_entries_quarantined, media_matched, report_ready

log = logging.getLogger(__name__)

# At most one wake-up per interval per process; one asked for within the interval is sent
# when it ends (so every report is followed by a wake-up sent after it was committed).
WAKE_INTERVAL = 0.2
_wake_lock = threading.Lock()
_last_wake = 0.0
_wake_scheduled = False


@receiver(report_ready)
def file_ready_report(sender: Any, report: Any, **kwargs: Any) -> None:
    """Once committed, the filer files the report with the others that are waiting."""
    transaction.on_commit(wake_filer)


def wake_filer() -> None:
    """Queue the filer now, or at the end of this process's wake-up interval."""
    global _last_wake, _wake_scheduled
    with _wake_lock:
        if _wake_scheduled:
            return
        wait = _last_wake + WAKE_INTERVAL - time.monotonic()
        if wait > 0:
            _wake_scheduled = True
            timer = threading.Timer(wait, _send_scheduled_wake)
            timer.daemon = True
            timer.start()
            return
        _last_wake = time.monotonic()
    _send_wake()


def _send_scheduled_wake() -> None:
    global _last_wake, _wake_scheduled
    with _wake_lock:
        _wake_scheduled = False
        _last_wake = time.monotonic()
    _send_wake()


def _send_wake() -> None:
    from casework.cases.tasks import file_waiting_reports

    try:
        file_waiting_reports.delay()
    except Exception:
        log.exception("could not wake the filer; the sweep will file the waiting reports")


@receiver(media_matched)
def reroute_matched_case(sender: Any, media: Any, report_id: int, **kwargs: Any) -> None:
    """A filed report's media matched a list late: its case may belong in the CSAM queue."""
    from casework.cases.filing import reroute_after_match

    reroute_after_match(report_id)


@receiver(hash_entries_quarantined)
def unweigh_quarantined_matches(sender: Any, entry_ids: list[int], **kwargs: Any) -> None:
    """The open cases whose media a newly quarantined entry matched are recomputed: its
    matches no longer raise their priority (a case already in the CSAM queue stays there)."""
    from casework.cases.case_facts import refresh_case
    from casework.models import Case, CaseReport
    from reports import api

    open_cases = CaseReport.objects.filter(
        report_id__in=api.report_ids_matched_by(entry_ids),
        case__status__in=Case.OPEN_STATUSES,
    ).values_list("case_id", flat=True)
    for case_id in sorted(set(open_cases)):
        refresh_case(case_id)
