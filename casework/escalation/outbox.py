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
- finish is only ever called for the escalation's one current report;
- a one-step hotline (``opens_reports`` False, the NCA) takes the report and its files in
  its submit, which finishes the escalation; a lost answer is resent with the same report
  id, and the hotline answers a repeat with the first reference.
Only one worker drives an escalation at a time: a PostgreSQL advisory lock held by its
database session, which a killed worker's session releases.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from casework import audit, hotlines
from casework.escalation import facts as gathering
from casework.escalation import failures, records, status
from casework.escalation.models import Escalation, EscalationFile, EscalationState
from casework.escalation.records import ACTOR
from casework.preservation.escalated import preserve_escalated

LOCK_CLASS = 0x45534331  # advisory lock namespace for escalations
DRIVEN_STATES = (EscalationState.PENDING, EscalationState.SENDING, EscalationState.SUBMITTED)


@contextlib.contextmanager
def exclusive(escalation_id: int, lock_class: int = LOCK_CLASS) -> Iterator[bool]:
    """Hold the escalation's advisory lock for this database session, if nobody else does
    (another outbox names its own lock_class)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [lock_class, escalation_id])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_class, escalation_id])


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
                failures.in_doubt(
                    escalation, escalation.step_in_flight, "the worker stopped mid-step"
                )
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
    return escalation.state in DRIVEN_STATES or bool(failures.to_retract(escalation))


def _next(escalation: Escalation, hotline, facts_of) -> bool:
    """Run the next step; True when the driver may go straight on to another."""
    if pending := failures.to_retract(escalation):
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
    records.begin(escalation, "submit")
    sent, answer = hotline.open_report(case_facts)
    if answer.ok and answer.report_id:
        with transaction.atomic():
            records.record(escalation, answer, [sent])
            escalation.hotline_id = answer.report_id
            escalation.state = EscalationState.SUBMITTED
            escalation.submitted_at = timezone.now()
            escalation.save(update_fields=["hotline_id", "state", "submitted_at", "updated_at"])
            audit.record(
                "escalation.submitted",
                actor=ACTOR,
                target=f"case:{escalation.case_id}",
                data=records.about(escalation, report_id=answer.report_id),
            )
            preserve_escalated(escalation, escalation.submitted_at)
            if not getattr(hotline, "opens_reports", True):
                # One request carried the whole report and its files (the NCA): finished.
                escalation.files.update(
                    file_id=F("key"), report_id=answer.report_id, uploaded_at=timezone.now()
                )
                _finished(escalation, files=len(case_facts.files))
                return False
        return True
    return failures.failed(escalation, answer, [sent])


def _upload(escalation: Escalation, hotline, row: EscalationFile, file) -> bool:
    data, content_type = gathering.file_bytes(row.key)
    records.begin(escalation, f"upload:{row.key}")
    answer = hotline.upload(escalation.hotline_id, file, data, content_type)
    if answer.ok and answer.file_id:
        with transaction.atomic():
            records.record(escalation, answer, [])
            row.file_id = answer.file_id
            row.md5 = answer.md5
            row.report_id = escalation.hotline_id
            row.uploaded_at = timezone.now()
            row.save(update_fields=["file_id", "md5", "report_id", "uploaded_at"])
            audit.record(
                "escalation.file_sent",
                actor=ACTOR,
                target=row.key,
                data=records.about(escalation, file_id=answer.file_id, md5=answer.md5),
            )
        return True
    return failures.failed(escalation, answer, [])


def _describe(escalation: Escalation, hotline, row: EscalationFile, file) -> bool:
    records.begin(escalation, f"fileinfo:{row.key}")
    sent, answer = hotline.describe(escalation.hotline_id, row.file_id, file)
    if answer.ok:
        with transaction.atomic():
            records.record(escalation, answer, [sent])
            row.described_at = timezone.now()
            row.save(update_fields=["described_at"])
        return True
    return failures.failed(escalation, answer, [sent])


def _finish(escalation: Escalation, hotline, uploaded: list[EscalationFile]) -> bool:
    records.begin(escalation, "finish")
    answer = hotline.finish(escalation.hotline_id)
    if answer.ok or (answer.outcome == "already_done" and answer.code == 5102):
        expected = sorted(r.file_id for r in uploaded)
        problem = ""
        if answer.ok and sorted(answer.file_ids) != expected:
            problem = f"The hotline lists files {sorted(answer.file_ids)}; sent {expected}."
        with transaction.atomic():
            records.record(escalation, answer, [])
            _finished(escalation, files=len(expected), problem=problem)
        return False
    return failures.failed(escalation, answer, [])


def _finished(escalation: Escalation, *, files: int, problem: str = "") -> None:
    escalation.state = EscalationState.FINISHED
    escalation.finished_at = timezone.now()
    escalation.problem = problem
    escalation.failures = 0
    escalation.save(update_fields=["state", "finished_at", "problem", "failures", "updated_at"])
    audit.record(
        "escalation.finished",
        actor=ACTOR,
        target=f"case:{escalation.case_id}",
        data=records.about(escalation, report_id=escalation.hotline_id, files=files),
    )
    status.settle_case(escalation.case_id)


def _retract_abandoned(escalation: Escalation, hotline, report_id: str) -> bool:
    records.begin(escalation, f"retract:{report_id}")
    answer = hotline.retract(report_id)
    if answer.ok or answer.outcome == "already_done" or answer.code == failures.REPORT_GONE:
        with transaction.atomic():
            records.record(escalation, answer, [])
            fresh = Escalation.objects.select_for_update().get(pk=escalation.pk)
            for entry in fresh.abandoned:
                if entry.get("report_id") == report_id:
                    entry["retracted"] = True
                    entry["answer"] = answer.message
            fresh.save(update_fields=["abandoned", "updated_at"])
            escalation.abandoned = fresh.abandoned
        return True
    return failures.failed(escalation, answer, [])
