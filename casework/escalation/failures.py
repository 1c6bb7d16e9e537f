"""A step that did not succeed: in doubt (the request may have arrived), a report given up
(retracted and started again), a retry later with exponential backoff, or a stop that a
lead must look at. A failure is never silent: it is recorded, logged and audited."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.escalation import queueing
from casework.escalation.models import Escalation, EscalationState
from casework.escalation.records import ACTOR, about, record
from casework.hotlines import Answer, Document

log = logging.getLogger(__name__)
REPORT_GONE = 5001  # the hotline no longer has the report (NCMEC deleted it unfinished)


def to_retract(escalation: Escalation) -> list[dict]:
    """Abandoned reports still to retract. An entry's "retracted" is True when done (or when
    its id was never learned), False while to do, None when retracting was given up."""
    return [a for a in escalation.abandoned if a.get("report_id") and a.get("retracted") is False]


def failed(escalation: Escalation, answer: Answer, sent: list[Document]) -> bool:
    """Record a step that did not succeed, and decide: go on, retry later, or stop."""
    step = escalation.step_in_flight
    with transaction.atomic():
        record(escalation, answer, sent)
        if answer.code == REPORT_GONE and escalation.hotline_id:
            abandon(escalation, "the hotline no longer has the unfinished report", gone=True)
            return True
        if answer.http_status is None and answer.maybe_delivered:
            in_doubt(escalation, step, answer.message)
        elif step.startswith("upload:") and answer.code == 0:
            # Attached, but not as sent (the MD5 differs): that report cannot be finished.
            abandon(escalation, f"a file arrived altered ({answer.message})")
        if answer.outcome == "retry":
            return _later(escalation, answer)
        _stop(escalation, answer)
    return False


def in_doubt(escalation: Escalation, step: str, why: str) -> None:
    """A request that may have reached the hotline without our learning its answer."""
    escalation.step_in_flight = ""
    escalation.save(update_fields=["step_in_flight", "updated_at"])
    if step == "submit":
        _note_abandoned(escalation, "", f"a submit's answer was lost ({why})")
    elif step.startswith("upload:") and escalation.hotline_id:
        abandon(escalation, f"an upload's answer was lost ({why})")


def abandon(escalation: Escalation, why: str, gone: bool = False) -> None:
    """Give up the current report: it is retracted (unless already gone) and every file goes
    again to a new one."""
    with transaction.atomic():
        _note_abandoned(escalation, escalation.hotline_id, why, retracted=gone)
        escalation.hotline_id = ""
        escalation.state = EscalationState.SENDING
        escalation.save(update_fields=["hotline_id", "state", "updated_at"])
        escalation.files.update(file_id="", report_id="", uploaded_at=None, described_at=None)


def _note_abandoned(
    escalation: Escalation, report_id: str, why: str, retracted: bool = False
) -> None:
    entry = {
        "report_id": report_id,
        "why": why,
        "at": timezone.now().isoformat(),
        # A report whose id we never learned cannot be retracted: the hotline deletes it.
        "retracted": retracted or not report_id,
    }
    escalation.abandoned = [*escalation.abandoned, entry]
    escalation.save(update_fields=["abandoned", "updated_at"])
    audit.record(
        "escalation.report_abandoned",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=about(escalation, report_id=report_id, why=why),
    )


def backoff(failures: int) -> timedelta:
    seconds = settings.ESCALATION_RETRY_BASE_SECONDS * 2 ** max(failures - 1, 0)
    return timedelta(seconds=min(seconds, settings.ESCALATION_RETRY_MAX_SECONDS))


def _later(escalation: Escalation, answer: Answer) -> bool:
    escalation.failures += 1
    if escalation.failures >= settings.ESCALATION_MAX_ATTEMPTS:
        _stop(escalation, answer)
        return False
    escalation.next_attempt_at = timezone.now() + backoff(escalation.failures)
    escalation.problem = f"{answer.step}: {answer.message}"
    escalation.save(update_fields=["failures", "next_attempt_at", "problem", "updated_at"])
    delay = backoff(escalation.failures).total_seconds()
    transaction.on_commit(lambda: queueing.enqueue(escalation.pk, countdown=delay))
    return False


def _stop(escalation: Escalation, answer: Answer) -> None:
    if escalation.state == EscalationState.RETRACTED:
        return _give_up_retracting(escalation, answer)
    reason = {
        "credentials": "the hotline refused Casework's credentials or account; an admin must "
        "check them",
        "refused": "the hotline refused the document",
        "retry": f"{escalation.failures} attempts failed",
        "already_done": "the hotline says the report is already closed",
    }[answer.outcome]
    escalation.state = EscalationState.NEEDS_ATTENTION
    escalation.problem = f"{reason}: {answer.describe()}"
    escalation.save(update_fields=["state", "problem", "updated_at"])
    log.error("Escalation %s needs attention: %s", escalation.pk, escalation.problem)
    audit.record(
        "escalation.needs_attention",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=about(escalation, problem=escalation.problem, outcome=answer.outcome),
    )


def _give_up_retracting(escalation: Escalation, answer: Answer) -> None:
    """The lead withdrew the escalation and the hotline will not take the retraction: the
    escalation stays retracted (a retry would send it again), and the problem is shown."""
    [entry, *_] = to_retract(escalation)
    entry["retracted"] = None
    escalation.problem = (
        f"retracting report {entry['report_id']} failed: {answer.describe()}. The hotline "
        "deletes an unfinished report itself within 24 hours."
    )
    escalation.save(update_fields=["abandoned", "problem", "updated_at"])
    log.error("Escalation %s: %s", escalation.pk, escalation.problem)
    audit.record(
        "escalation.retract_failed",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=about(escalation, report_id=entry["report_id"], problem=escalation.problem),
    )
