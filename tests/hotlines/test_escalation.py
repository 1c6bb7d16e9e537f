"""Approval → outbox → the CyberTipline sandbox: exactly one finished report per escalation,
every file attached once, whatever answer is lost on the way."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from casework import roles
from casework.cases import decisions, filing
from casework.escalation import actions, failures, outbox, tasks
from casework.escalation.models import Escalation
from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.sandbox_faults import parse_faults
from casework.models import AuditEvent, Case
from reports.tokens import create_intake_token
from tests.helpers import make_user, signed_in, stored_image
from tests.hotlines.escalations import approved_case

pytestmark = pytest.mark.django_db


def test_an_approved_case_ends_as_one_finished_report(sandbox, settings):
    escalation = approved_case(reveal=True)
    assert outbox.drive(escalation.pk) == "finished"
    [report] = sandbox.finished()
    escalation.refresh_from_db()
    assert escalation.hotline_id == str(report.id)
    assert Case.objects.get(pk=escalation.case_id).status == "escalated"
    [file] = report.files.values()
    assert "<fileViewedByEsp>true</fileViewedByEsp>" in file.details_xml
    assert "<exifViewedByEsp>false</exifViewedByEsp>" in file.details_xml
    assert "<industryClassification>A1</industryClassification>" in file.details_xml
    assert [c[0] for c in sandbox.calls] == ["submit", "upload", "fileinfo", "finish"]
    sent = escalation.documents.filter(direction="sent")
    assert all(schema.problems(d.body) == [] for d in sent)
    # Credentials never land in what is stored or audited.
    stored = " ".join(d.body for d in escalation.documents.all())
    stored += " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert settings.NCMEC_PASSWORD not in stored
    actions_seen = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"escalation.opened", "escalation.submitted", "escalation.finished"} <= actions_seen


def test_a_file_never_opened_is_reported_as_not_viewed(sandbox):
    escalation = approved_case(2)
    outbox.drive(escalation.pk)
    [report] = sandbox.finished()
    [file] = report.files.values()
    assert "<fileViewedByEsp>false</fileViewedByEsp>" in file.details_xml


def test_a_lost_submit_answer_leaves_one_orphan_and_one_finished_report(sandbox):
    escalation = approved_case(3)
    sandbox.set_faults("submit=drop-after@once")
    assert outbox.drive(escalation.pk) == "sending"  # retried later, with backoff
    Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
    assert outbox.drive(escalation.pk) == "finished"
    assert len(sandbox.finished()) == 1
    assert len(sandbox.reports) == 2  # the orphan stays open; NCMEC deletes it
    escalation.refresh_from_db()
    assert escalation.abandoned[0]["why"].startswith("a submit's answer was lost")


def test_an_upload_in_doubt_retracts_that_report_and_attaches_each_file_once(sandbox):
    escalation = approved_case(4)
    sandbox.set_faults("upload=drop-after@once")
    outbox.drive(escalation.pk)
    Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
    assert outbox.drive(escalation.pk) == "finished"
    states = sorted(r.state for r in sandbox.reports.values())
    assert states == ["finished", "retracted"]
    [finished] = sandbox.finished()
    assert len(finished.files) == 1


def test_a_crash_after_finish_is_recorded_as_finished_without_a_second_report(sandbox):
    escalation = approved_case(5)
    sandbox.set_faults("finish=drop-after@once")
    outbox.drive(escalation.pk)
    Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
    assert outbox.drive(escalation.pk) == "finished"  # NCMEC answers 5102: already finished
    assert len(sandbox.reports) == 1
    assert escalation.attempts.filter(response_code=5102).exists()


def test_refused_credentials_stop_and_show(sandbox):
    escalation = approved_case(6)
    sandbox.set_faults("*=401")
    assert outbox.drive(escalation.pk) == "needs_attention"
    escalation.refresh_from_db()
    assert "credentials" in escalation.problem
    lead = make_user("watcher", roles.ESCALATION_LEAD)
    page = signed_in(lead).get("/escalations/").content.decode()
    assert "1 escalation to a hotline needs attention" in page  # the leads' banner
    assert f"Case {escalation.case_id}" in page and "credentials" in page
    sandbox.set_faults("")
    actions.retry(escalation_id=escalation.pk, lead=lead)
    assert outbox.drive(escalation.pk) == "finished"


def test_server_trouble_retries_with_backoff_then_needs_attention(sandbox, settings):
    settings.ESCALATION_MAX_ATTEMPTS = 3
    settings.ESCALATION_RETRY_BASE_SECONDS = 30
    escalation = approved_case(7)
    sandbox.set_faults("submit=503")
    for _ in range(3):
        Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
        state = outbox.drive(escalation.pk)
    assert state == "needs_attention"
    assert escalation.attempts.count() == 3
    assert failures.backoff(1).total_seconds() < failures.backoff(3).total_seconds()


def test_only_failures_in_a_row_count_towards_needing_attention(sandbox, settings):
    """A flaky link fails one call in each step; no step fails twice running, so the report
    goes through although the failures add up past the limit."""
    settings.ESCALATION_MAX_ATTEMPTS = 2
    escalation = approved_case(17)
    sandbox.set_faults("submit=503@once,upload=503@once,fileinfo=503@once,finish=503@once")
    for _ in range(8):
        Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
        state = outbox.drive(escalation.pk)
        if state in {"finished", "needs_attention"}:
            break
    escalation.refresh_from_db()
    assert (state, escalation.failures, escalation.problem) == ("finished", 0, "")
    assert escalation.attempts.exclude(outcome="ok").count() == 4


def test_the_sweep_requeues_only_escalations_whose_message_seems_lost(sandbox):
    from datetime import timedelta

    from django.utils import timezone

    fresh = approved_case(18)  # its own message is on the way
    assert tasks.drive_due_escalations() == 0
    long_ago = timezone.now() - timedelta(minutes=2)
    Escalation.objects.filter(pk=fresh.pk).update(updated_at=long_ago)
    assert tasks.drive_due_escalations() == 1
    Escalation.objects.filter(pk=fresh.pk).update(next_attempt_at=timezone.now())
    assert tasks.drive_due_escalations() == 0  # its retry's countdown message is due now


def test_a_follow_up_on_the_same_account_names_the_earlier_report(sandbox):
    first = approved_case(8, uploader={"id": "repeat", "screen_name": "x"})
    outbox.drive(first.pk)
    second = approved_case(9, uploader={"id": "repeat", "screen_name": "x"})
    outbox.drive(second.pk)
    first.refresh_from_db()
    latest = max(sandbox.finished(), key=lambda r: r.id)
    assert f"<priorCTReports>{first.hotline_id}</priorCTReports>" in latest.xml


def test_an_incomplete_report_is_refused_at_approval(sandbox, settings):
    settings.NCMEC_REPORTER_EMAIL = ""
    with pytest.raises(decisions.CaseActionRefused, match="NCMEC_REPORTER_EMAIL"):
        approved_case(10)


def test_the_fault_spec_is_checked():
    assert [f.kind for f in parse_faults("submit=503@once,*=drop-after@20%")] == [
        "503",
        "drop-after",
    ]
    with pytest.raises(ValueError, match="bad fault"):
        parse_faults("submit=explode")


def test_the_platform_sees_its_report_escalated(sandbox):
    escalation = approved_case(11)
    outbox.drive(escalation.pk)
    escalation.refresh_from_db()
    _, token = create_intake_token("p", created_by="system:test")
    report_id = escalation.case.case_reports.get().report_id
    body = Client().get(f"/api/v1/reports/{report_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert body.json()["escalations"] == [
        {"target": "ncmec", "state": "finished", "hotline_id": escalation.hotline_id}
    ]
    assert body.json()["case_status"] == "escalated"


def test_the_preview_prints_the_documents_and_sends_nothing(sandbox):
    media, _ = stored_image(12, "ext-12", jurisdiction="US", uploader={"id": "a"})
    case = filing.file_report(media.report_id)
    out = io.StringIO()
    call_command("escalation_preview", str(case.pk), "--target", "ncmec", stdout=out)
    printed = out.getvalue()
    assert "<report " in printed and "<fileDetails " in printed
    assert "<espIdentifier>a</espIdentifier>" in printed
    assert sandbox.calls == [] and not Escalation.objects.exists()
    assert Case.objects.get(pk=case.pk).status == "new"
    with pytest.raises(CommandError, match="no case"):
        call_command("escalation_preview", "999999")


def test_a_retracted_escalation_retracts_its_open_report(sandbox):
    escalation = approved_case(13)
    sandbox.set_faults("finish=503")
    assert outbox.drive(escalation.pk) == "submitted"
    lead = make_user("withdrawer", roles.ESCALATION_LEAD)
    actions.retract(escalation_id=escalation.pk, lead=lead, reason="platform already reported")
    sandbox.set_faults("")
    assert outbox.drive(escalation.pk) == "retracted"
    assert [r.state for r in sandbox.reports.values()] == ["retracted"]
    assert tasks.drive_due_escalations() == 0


def test_a_retraction_the_hotline_keeps_refusing_stays_retracted_and_shows(sandbox, settings):
    settings.ESCALATION_MAX_ATTEMPTS = 2
    escalation = approved_case(14)
    sandbox.set_faults("finish=503")
    outbox.drive(escalation.pk)
    lead = make_user("withdrawer", roles.ESCALATION_LEAD)
    actions.retract(escalation_id=escalation.pk, lead=lead, reason="sent in error")
    sandbox.set_faults("retract=503")
    for _ in range(3):
        Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
        state = outbox.drive(escalation.pk)
    assert state == "retracted"  # never needs_attention, which a retry would send again
    escalation.refresh_from_db()
    assert "retracting report" in escalation.problem and "24 hours" in escalation.problem
    assert AuditEvent.objects.filter(action="escalation.retract_failed").count() == 1
    assert tasks.drive_due_escalations() == 0  # given up: the hotline deletes it unfinished
    with pytest.raises(decisions.CaseActionRefused):
        actions.retry(escalation_id=escalation.pk, lead=lead)
