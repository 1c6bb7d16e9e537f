"""The transactional outbox: escalations are written with the approval, then driven here,
one step at a time, until the hotline has exactly one finished report for each.

Exactly once, when any step can be cut off: the hotline has no idempotency key and deletes
unfinished reports itself (NCMEC: 24 h after opening, 1 h after the last change). So
- before each request the step is recorded as in flight (and committed); its answer clears
  it. A step still in flight after a crash, or one whose answer never came, is in doubt;
- a submit in doubt may have opened a report we never learned the id of: it is recorded as
  abandoned (the hotline deletes it unfinished) and a new report is opened;
- an upload in doubt may have attached the file without our knowing its id: that report is
  abandoned and retracted, and the files go to a fresh report, so none is attached twice;
- file details, finish and retract are safe to repeat (finish answers "already finished");
- finish is only ever called for the escalation's one current report.
Only one worker drives an escalation at a time: a PostgreSQL advisory lock held by its
database session, which a killed worker's session releases.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from casework import audit, hotlines
from casework.escalation import facts as gathering
from casework.escalation import status
from casework.escalation.models import (
    Escalation,
    EscalationAttempt,
    EscalationDocument,
    EscalationFile,
    EscalationState,
)
from casework.hotlines import Answer, Document

log = logging.getLogger(__name__)
ACTOR = "system:escalation"
LOCK_CLASS = 0x45534331  # advisory lock namespace for escalations
DRIVEN_STATES = (EscalationState.PENDING, EscalationState.SENDING, EscalationState.SUBMITTED)
REPORT_GONE = 5001  # the hotline no longer has the report (NCMEC deleted it unfinished)


@contextlib.contextmanager
def exclusive(escalation_id: int) -> Iterator[bool]:
    """Hold the escalation's advisory lock for this database session, if nobody else does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, escalation_id])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, escalation_id])


def drive(escalation_id: int, *, hotline=None) -> str:
    """Take the escalation as far as it goes now; returns its state afterwards ("busy" if
    another worker is driving it)."""
    with exclusive(escalation_id) as mine:
        if not mine:
            return "busy"
        escalation = Escalation.objects.get(pk=escalation_id)
        if not _has_work(escalation):
            return escalation.state
        if escalation.next_attempt_at and escalation.next_attempt_at > timezone.now():
            return escalation.state
        own_hotline = hotline is None
        hotline = hotline or hotlines.connect(escalation.target)
        try:
            if escalation.step_in_flight:
                _in_doubt(escalation, escalation.step_in_flight, "the worker stopped mid-step")
            facts_of = functools.cache(
                lambda: gathering.case_facts(
                    escalation.case,
                    target=escalation.target,
                    include_account_files=escalation.include_account_files,
                )
            )
            while _has_work(escalation) and _next(escalation, hotline, facts_of):
                escalation.refresh_from_db()
        finally:
            if own_hotline:
                hotline.close()
        escalation.refresh_from_db()
        return escalation.state


def _has_work(escalation: Escalation) -> bool:
    return escalation.state in DRIVEN_STATES or bool(_to_retract(escalation))


def _to_retract(escalation: Escalation) -> list[dict]:
    """Abandoned reports still to retract. An entry's "retracted" is True when done (or when
    its id was never learned), False while to do, None when retracting was given up."""
    return [a for a in escalation.abandoned if a.get("report_id") and a.get("retracted") is False]


def _next(escalation: Escalation, hotline, facts_of) -> bool:
    """Run the next step; True when the driver may go straight on to another."""
    if pending := _to_retract(escalation):
        return _retract_abandoned(escalation, hotline, pending[0]["report_id"])
    if escalation.state == EscalationState.RETRACTED:
        return False
    case_facts = facts_of()
    if not escalation.hotline_id:
        return _submit(escalation, hotline, case_facts)
    by_key = {f.key: f for f in case_facts.files}
    files = list(escalation.files.all())
    for row in files:
        if not row.file_id and row.key in by_key:
            return _upload(escalation, hotline, row, by_key[row.key])
    for row in files:
        if row.file_id and not row.described_at and row.key in by_key:
            return _describe(escalation, hotline, row, by_key[row.key])
    return _finish(escalation, hotline, [r for r in files if r.file_id])


# --- The steps ----------------------------------------------------------------------------


def _submit(escalation: Escalation, hotline, case_facts) -> bool:
    for file in case_facts.files:
        EscalationFile.objects.get_or_create(
            escalation=escalation, key=file.key, defaults={"name": file.name, "md5": file.md5}
        )
    _begin(escalation, "submit")
    sent, answer = hotline.open_report(case_facts)
    if answer.ok and answer.report_id:
        with transaction.atomic():
            _record(escalation, answer, [sent])
            escalation.hotline_id = answer.report_id
            escalation.state = EscalationState.SUBMITTED
            escalation.submitted_at = timezone.now()
            escalation.save(update_fields=["hotline_id", "state", "submitted_at", "updated_at"])
            audit.record(
                "escalation.submitted",
                actor=ACTOR,
                target=f"case:{escalation.case_id}",
                data=_about(escalation, report_id=answer.report_id),
            )
        return True
    return _failed(escalation, answer, [sent])


def _upload(escalation: Escalation, hotline, row: EscalationFile, file) -> bool:
    data, content_type = gathering.file_bytes(row.key)
    _begin(escalation, f"upload:{row.key}")
    answer = hotline.upload(escalation.hotline_id, file, data, content_type)
    if answer.ok and answer.file_id:
        with transaction.atomic():
            _record(escalation, answer, [])
            row.file_id = answer.file_id
            row.md5 = answer.md5
            row.report_id = escalation.hotline_id
            row.uploaded_at = timezone.now()
            row.save(update_fields=["file_id", "md5", "report_id", "uploaded_at"])
            audit.record(
                "escalation.file_sent",
                actor=ACTOR,
                target=row.key,
                data=_about(escalation, file_id=answer.file_id, md5=answer.md5),
            )
        return True
    return _failed(escalation, answer, [])


def _describe(escalation: Escalation, hotline, row: EscalationFile, file) -> bool:
    _begin(escalation, f"fileinfo:{row.key}")
    sent, answer = hotline.describe(escalation.hotline_id, row.file_id, file)
    if answer.ok:
        with transaction.atomic():
            _record(escalation, answer, [sent])
            row.described_at = timezone.now()
            row.save(update_fields=["described_at"])
        return True
    return _failed(escalation, answer, [sent])


def _finish(escalation: Escalation, hotline, uploaded: list[EscalationFile]) -> bool:
    _begin(escalation, "finish")
    answer = hotline.finish(escalation.hotline_id)
    if answer.ok or (answer.outcome == "already_done" and answer.code == 5102):
        expected = sorted(r.file_id for r in uploaded)
        problem = ""
        if answer.ok and sorted(answer.file_ids) != expected:
            problem = f"The hotline lists files {sorted(answer.file_ids)}; sent {expected}."
        with transaction.atomic():
            _record(escalation, answer, [])
            escalation.state = EscalationState.FINISHED
            escalation.finished_at = timezone.now()
            escalation.problem = problem
            escalation.failures = 0
            escalation.save(
                update_fields=["state", "finished_at", "problem", "failures", "updated_at"]
            )
            audit.record(
                "escalation.finished",
                actor=ACTOR,
                target=f"case:{escalation.case_id}",
                data=_about(escalation, report_id=escalation.hotline_id, files=len(expected)),
            )
            status.settle_case(escalation.case_id)
        return False
    return _failed(escalation, answer, [])


def _retract_abandoned(escalation: Escalation, hotline, report_id: str) -> bool:
    _begin(escalation, f"retract:{report_id}")
    answer = hotline.retract(report_id)
    if answer.ok or answer.outcome == "already_done" or answer.code == REPORT_GONE:
        with transaction.atomic():
            _record(escalation, answer, [])
            fresh = Escalation.objects.select_for_update().get(pk=escalation.pk)
            for entry in fresh.abandoned:
                if entry.get("report_id") == report_id:
                    entry["retracted"] = True
                    entry["answer"] = answer.message
            fresh.save(update_fields=["abandoned", "updated_at"])
            escalation.abandoned = fresh.abandoned
        return True
    return _failed(escalation, answer, [])


# --- Bookkeeping --------------------------------------------------------------------------


def _begin(escalation: Escalation, step: str) -> None:
    """Record the step as in flight, committed before the request leaves."""
    escalation.step_in_flight = step
    if escalation.state == EscalationState.PENDING:
        escalation.state = EscalationState.SENDING
    escalation.save(update_fields=["step_in_flight", "state", "updated_at"])


def _record(escalation: Escalation, answer: Answer, sent: list[Document]) -> EscalationAttempt:
    attempt = EscalationAttempt.objects.create(
        escalation=escalation,
        step=escalation.step_in_flight or answer.step,
        outcome=answer.outcome,
        http_status=answer.http_status,
        response_code=answer.code,
        message=answer.message[:2000],
    )
    documents = [_document(escalation, attempt, "sent", d) for d in sent]
    if answer.receipt is not None:
        documents.append(_document(escalation, attempt, "received", answer.receipt))
    EscalationDocument.objects.bulk_create(documents)
    escalation.step_in_flight = ""
    escalation.save(update_fields=["step_in_flight", "updated_at"])
    return attempt


def _document(escalation, attempt, direction: str, document: Document) -> EscalationDocument:
    return EscalationDocument(
        escalation=escalation,
        attempt=attempt,
        direction=direction,
        name=document.name,
        content_type=document.content_type,
        body=document.body,
    )


def _failed(escalation: Escalation, answer: Answer, sent: list[Document]) -> bool:
    """Record a step that did not succeed, and decide: go on, retry later, or stop."""
    step = escalation.step_in_flight
    with transaction.atomic():
        _record(escalation, answer, sent)
        if answer.code == REPORT_GONE and escalation.hotline_id:
            _abandon(escalation, "the hotline no longer has the unfinished report", gone=True)
            return True
        if answer.http_status is None and answer.maybe_delivered:
            _in_doubt(escalation, step, answer.message)
        elif step.startswith("upload:") and answer.code == 0:
            # Attached, but not as sent (the MD5 differs): that report cannot be finished.
            _abandon(escalation, f"a file arrived altered ({answer.message})")
        if answer.outcome == "retry":
            return _later(escalation, answer)
        _stop(escalation, answer)
    return False


def _in_doubt(escalation: Escalation, step: str, why: str) -> None:
    """A request that may have reached the hotline without our learning its answer."""
    escalation.step_in_flight = ""
    escalation.save(update_fields=["step_in_flight", "updated_at"])
    if step == "submit":
        _note_abandoned(escalation, "", f"a submit's answer was lost ({why})")
    elif step.startswith("upload:") and escalation.hotline_id:
        _abandon(escalation, f"an upload's answer was lost ({why})")


def _abandon(escalation: Escalation, why: str, gone: bool = False) -> None:
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
        data=_about(escalation, report_id=report_id, why=why),
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
    transaction.on_commit(lambda: enqueue(escalation.pk, countdown=delay))
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
    escalation.problem = f"{reason}: {answer.step} answered " + (
        f"HTTP {answer.http_status}, code {answer.code}: {answer.message}"
    )
    escalation.save(update_fields=["state", "problem", "updated_at"])
    log.error("Escalation %s needs attention: %s", escalation.pk, escalation.problem)
    audit.record(
        "escalation.needs_attention",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=_about(escalation, problem=escalation.problem, outcome=answer.outcome),
    )


def _give_up_retracting(escalation: Escalation, answer: Answer) -> None:
    """The lead withdrew the escalation and the hotline will not take the retraction: the
    escalation stays retracted (a retry would send it again), and the problem is shown."""
    [entry, *_] = _to_retract(escalation)
    entry["retracted"] = None
    escalation.problem = (
        f"retracting report {entry['report_id']} failed: {answer.step} answered "
        f"HTTP {answer.http_status}, code {answer.code}: {answer.message}. The hotline "
        "deletes an unfinished report itself within 24 hours."
    )
    escalation.save(update_fields=["abandoned", "problem", "updated_at"])
    log.error("Escalation %s: %s", escalation.pk, escalation.problem)
    audit.record(
        "escalation.retract_failed",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=_about(escalation, report_id=entry["report_id"], problem=escalation.problem),
    )


def _about(escalation: Escalation, **more) -> dict:
    return {"escalation": escalation.pk, "target": escalation.target, **more}


def enqueue(escalation_id: int, countdown: float = 0) -> None:
    from casework.escalation.tasks import drive_escalation

    drive_escalation.apply_async(
        args=[escalation_id], countdown=countdown, queue=settings.ESCALATION_QUEUE
    )
