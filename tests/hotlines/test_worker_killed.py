"""SIGKILL the real Celery worker at each step of an escalation, against the sandbox: after a
fresh worker resumes, exactly one finished report per escalation, every file attached once."""

from __future__ import annotations

import signal
import subprocess

import pytest
from django.conf import settings

from casework.escalation.models import Escalation
from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox
from tests.conftest import start_worker, wait_for
from tests.hotlines.escalations import approved_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
QUEUE = "escalation-kill-test"


@pytest.fixture
def sandbox(sandbox, settings):
    settings.ESCALATION_QUEUE = QUEUE
    settings.ESCALATION_RETRY_BASE_SECONDS = 1
    return sandbox


def worker_for(sandbox: CyberTiplineSandbox, log_name: str) -> subprocess.Popen:
    log = open(settings.DATA_DIR / log_name, "w")  # noqa: SIM115 (the child keeps it)
    return start_worker(
        log,
        f"--queues={QUEUE}",
        NCMEC_BASE_URL=sandbox.url,
        ESCALATION_RETRY_BASE_SECONDS="1",
    )


@pytest.mark.parametrize(
    ("step", "when"),
    [
        ("submit", "before"),  # before submit reaches NCMEC
        ("submit", "after"),  # after submit, before the id is saved: an orphan
        ("upload", "after"),  # the file attached, its id never saved
        ("finish", "before"),
        ("finish", "after"),  # finished at NCMEC, not yet recorded
    ],
)
def test_a_killed_worker_leaves_exactly_one_finished_report(sandbox, step, when):
    gate = sandbox.hold(step, when)
    worker = worker_for(sandbox, f"kill-{step}-{when}.log")
    try:
        escalation = approved_case(40)  # enqueues on commit, to this test's worker
        assert gate.reached.wait(60), f"the worker never reached {step}"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        gate.release()
        # A fresh worker resumes: the sweep re-queues what the killed one had taken.
        worker = worker_for(sandbox, f"resume-{step}-{when}.log")
        from casework.escalation import queueing

        queueing.enqueue(escalation.pk)
        wait_for(
            lambda: Escalation.objects.get(pk=escalation.pk).state == "finished",
            timeout=60,
            message="the escalation to finish",
        )
    finally:
        worker.kill()
        worker.wait(10)
    finished = sandbox.finished()
    assert len(finished) == 1
    assert len(finished[0].files) == 1
    assert Escalation.objects.get(pk=escalation.pk).hotline_id == str(finished[0].id)
    open_or_retracted = [r for r in sandbox.reports.values() if r.state != "finished"]
    # Only a lost submit or upload leaves another report behind, never a finished one.
    assert len(open_or_retracted) == (
        1 if (step, when) in {("submit", "after"), ("upload", "after")} else 0
    )
