"""The worker logs the per-second audit sealer only when it sealed something."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from casework import audit
from casework.celery import app
from casework.models import AuditEvent
from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SEALER = "casework.audit.tasks.seal_audit_events"


def _sealed(event: AuditEvent) -> bool:
    return AuditEvent.objects.filter(pk=event.pk, seal__isnull=False).exists()


def test_the_sealer_logs_only_runs_that_sealed(celery_worker):
    log = settings.DATA_DIR / "test-worker.log"
    audit.seal_all()
    start = len(log.read_text())
    first = audit.record("case.viewed", actor="user:quiet", target="case:1")
    app.send_task(SEALER)
    wait_for(lambda: _sealed(first), message="the first seal")
    app.send_task(SEALER)  # nothing to seal
    second = audit.record("case.viewed", actor="user:quiet", target="case:2")
    app.send_task(SEALER)  # the solo worker runs these in order
    wait_for(lambda: _sealed(second), message="the second seal")
    wait_for(lambda: log.read_text()[start:].count("succeeded") >= 2, message="the log lines")

    lines = [line for line in log.read_text()[start:].splitlines() if SEALER in line]
    assert not [line for line in lines if line.endswith("received")]
    results = [re.search(r"succeeded in [\d.]+s: (\S+)", line) for line in lines]
    assert [m.group(1) for m in results if m] == ["1", "1"], lines


def test_beat_names_only_the_slower_schedules():
    import logging

    from casework.quiet_logs import RoutineTaskFilter

    def sending(entry: str, task: str) -> logging.LogRecord:
        message = "Scheduler: Sending due task %s (%s)"
        return logging.LogRecord("celery.beat", logging.INFO, "", 0, message, (entry, task), None)

    routine = RoutineTaskFilter()
    assert not routine.filter(sending("seal-audit-events", SEALER))
    assert not routine.filter(sending("file-unfiled-reports", "casework.cases.tasks.x"))
    assert routine.filter(sending("weekly-export", "casework.exports.x"))
