"""The escalation lead's side of reporting to NCMEC's CyberTipline, in a real browser: the
approval form with its routed hotline, the case's escalation once the report is finished
(state, hotline id, attempts, documents), the hotline dashboard's figures; and a report the
hotline refuses, which needs attention (the leads' banner on every page, the dashboard's
list) until a lead retries it from the dashboard.

The escalations are driven by a real Celery worker process of this module's own, consuming a
queue of its own and pointed at a local CyberTipline sandbox: the approval's and the retry's
on-commit messages are what sets it going, as in production. One worker for the module
keeps its start-up (about 2 s) out of each test."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from casework import roles
from casework.cases import claims, decisions, filing
from casework.escalation.models import Escalation
from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox
from casework.models import AuditEvent, Case
from tests.conftest import start_worker, wait_for
from tests.e2e.browser import (
    assert_accessible,
    format_violations,
    screenshot,
    screenshot_of,
    sign_in,
)
from tests.helpers import make_user, stored_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
QUEUE = "escalation-e2e-test"
ROUTED_WHY = "a report has a US nexus (jurisdiction US)"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[CyberTiplineSandbox]:
    server = CyberTiplineSandbox(
        username=django_settings.NCMEC_USERNAME, password=django_settings.NCMEC_PASSWORD
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hotline_worker(sandbox, django_db_setup) -> Iterator[subprocess.Popen]:
    log_path = django_settings.DATA_DIR / "e2e-hotline-worker.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    worker = start_worker(
        log, f"--queues={QUEUE}", "--purge", NCMEC_BASE_URL=sandbox.url, ESCALATION_QUEUE=QUEUE
    )
    try:
        wait_for(
            lambda: "ready." in log_path.read_text() or worker.poll() is not None,
            timeout=60,
            message="the hotline worker to start",
        )
        assert worker.poll() is None, f"the hotline worker stopped; see {log_path}"
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@pytest.fixture
def hotline(sandbox, hotline_worker, settings) -> CyberTiplineSandbox:
    """The sandbox, fault-free and empty, with the web app (the live server's thread) and this test
    sending their escalations to it through the module's worker."""
    settings.NCMEC_BASE_URL = sandbox.url
    settings.ESCALATION_QUEUE = QUEUE
    sandbox.set_faults("")
    with sandbox.lock:  # the module's sandbox forgets the previous test's reports
        sandbox.reports.clear()
        sandbox.calls.clear()
    return sandbox


def awaiting_approval(n: int) -> Case:
    """A US report of one synthetic image, decided CSAM by a reviewer: the lead's to approve."""
    media, _ = stored_image(
        n,
        f"ext-{n}",
        jurisdiction="US",
        description="synthetic test report",
        uploader={
            "id": f"acct-{n}",
            "screen_name": f"someone-{n}",
            "ip_events": [{"ip": "192.0.2.61", "type": "upload"}],
        },
    )
    case = filing.file_report(media.report_id)
    reviewer = make_user(f"rev-{n}", roles.REVIEWER)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    decisions.record_decision(
        case_id=case.pk,
        user=reviewer,
        verdict="csam_confirmed",
        media_labels={str(media.pk): {"industry": "A1", "iwf": "A", "annotations": []}},
    )
    return Case.objects.get(pk=case.pk)


def escalation_reaches(case: Case, state: str) -> Escalation:
    wait_for(
        lambda: Escalation.objects.filter(case=case, state=state).exists(),
        timeout=20,
        message=f"the escalation of case {case.pk} to become {state}",
    )
    return Escalation.objects.get(case=case)


def test_an_approved_case_becomes_a_finished_cybertipline_report(hotline, open_tab):
    case = awaiting_approval(61)
    lead = make_user("lead", roles.ESCALATION_LEAD)
    tab = open_tab()
    page = tab.page
    sign_in(tab, lead)

    # The approval form: NCMEC routed (and why), a reason field for changing the targets.
    page.goto(f"/cases/{case.pk}/")
    approval = page.locator("section.approval")
    expect(approval).to_be_visible()
    ncmec = approval.get_by_role("checkbox", name="NCMEC CyberTipline")
    expect(ncmec).to_be_checked()
    expect(approval.locator("fieldset.targets")).to_contain_text(f"routed: {ROUTED_WHY}")
    reason = approval.get_by_label("Reason, if you add or remove a hotline")
    expect(reason).to_be_editable()
    screenshot_of(tab, "section.approval", "escalation-01-approval-form")

    # Removing the routed hotline without a reason is refused, and nothing is approved.
    ncmec.uncheck()
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        approval.get_by_role("button", name="Approve and report").click()
    expect(page.locator(".messages .error")).to_have_text(
        "Say why you add or remove a hotline from the routed targets."
    )
    assert Case.objects.get(pk=case.pk).status == "awaiting_approval"
    assert not Escalation.objects.exists()

    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        approval.get_by_role("button", name="Approve and report").click()
    expect(page.get_by_text(f"Case {case.pk} approved.")).to_be_visible()

    # The worker takes it from the approval's commit to NCMEC's finished report.
    escalation = escalation_reaches(case, "finished")
    [report] = hotline.finished()
    assert escalation.hotline_id == str(report.id)
    assert len(report.files) == 1
    assert Case.objects.get(pk=case.pk).status == "escalated"

    page.goto(f"/cases/{case.pk}/")
    section = page.locator("section#escalations")
    expect(section.locator("h3")).to_have_text(f"NCMEC · Finished · report {report.id}")
    expect(section).to_contain_text(f"Why: {ROUTED_WHY}")
    expect(page.locator(".case-head .status")).to_have_text("Escalated")
    attempts = section.locator("table tbody tr")
    steps = [row.locator("td").nth(1).inner_text() for row in attempts.all()]
    assert [s.split(":")[0] for s in steps] == ["submit", "upload", "fileinfo", "finish"], steps
    outcomes = [row.locator("td").nth(2).inner_text() for row in attempts.all()]
    assert set(outcomes) == {"ok"}, outcomes
    # every document sent and every receipt, each its own download link
    expect(section.get_by_role("link")).to_have_count(escalation.documents.count())
    sent_report = section.get_by_role("link", name="sent: report.xml")
    expect(sent_report).to_have_count(1)
    screenshot_of(tab, "section#escalations", "escalation-02-case-finished")

    # The report downloads exactly as it was sent, and the download is audited.
    with page.expect_download() as got:
        sent_report.click()
    assert got.value.path().read_text(encoding="utf-8") == report.xml  # the exact document
    assert AuditEvent.objects.filter(
        action="escalation.document_downloaded", actor="user:lead", target=f"case:{case.pk}"
    ).exists()

    # The dashboard: finished today, and the time from report received to finished report.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Hotlines").click()
    page.wait_for_url("**/escalations/")
    figures = page.locator(".figures")
    expect(figures.locator("div", has_text="finished today").locator("strong")).to_have_text("1")
    expect(figures.locator("div", has_text="need attention").locator("strong")).to_have_text("0")
    expect(page.locator(".figures-head")).to_contain_text("the last 30 days: 1 hotline report")
    for figure in ("median", "p95"):
        # Seconds here (the report came in moments ago), written for people: "3 s".
        value = figures.locator("div", has_text=figure).locator("strong")
        expect(value).to_have_text(re.compile(r"^[1-9]?[0-9] s$"))
    finished = page.locator("section", has=page.get_by_role("heading", name="Finished today"))
    row = finished.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text(f"Case {case.pk}")
    expect(row).to_contain_text(str(report.id))
    expect(row.locator(".state")).to_have_text("Finished")
    expect(page.locator(".banner")).to_have_count(0)
    screenshot(tab, "escalation-03-dashboard-finished")
    found = assert_accessible(tab, "the hotline dashboard with a finished report")
    print("axe, dashboard (finished):\n" + format_violations(found["violations"]))  # pytest -s
    tab.assert_no_errors()


def test_a_refused_escalation_needs_attention_until_a_lead_retries_it(hotline, open_tab):
    case = awaiting_approval(62)
    lead = make_user("lead", roles.ESCALATION_LEAD)
    hotline.set_faults("*=401")  # the hotline refuses Casework's credentials
    decisions.approve_decision(case_id=case.pk, lead=lead)
    escalation = escalation_reaches(case, "needs_attention")
    assert "credentials" in escalation.problem
    assert hotline.finished() == []

    banner_text = "1 escalation to a hotline needs attention"
    tab = open_tab()
    page = tab.page
    sign_in(tab, lead)
    for path in ("/queues/", f"/cases/{case.pk}/", f"/cases/?q={case.pk}", "/escalations/"):
        page.goto(path)
        banner = page.locator(".banner[role=alert]")
        expect(banner).to_contain_text(banner_text)
        expect(banner.get_by_role("link")).to_have_attribute("href", "/escalations/#attention")

    page.goto(f"/cases/{case.pk}/")
    stopped = page.locator("section#escalations article.escalation")
    expect(stopped.locator("h3 .state")).to_have_text("Needs Attention")
    expect(stopped.locator("p[role=alert]")).to_contain_text("HTTP 401")
    expect(stopped.get_by_role("button", name="Retry")).to_be_visible()
    screenshot_of(tab, "section#escalations", "escalation-05-case-needs-attention")

    reviewer_tab = open_tab()
    sign_in(reviewer_tab, make_user("rev-other", roles.REVIEWER))
    expect(reviewer_tab.page.locator(".banner")).to_have_count(0)  # the banner is for leads

    page.goto("/escalations/")
    attention = page.locator("section#attention")
    row = attention.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text(f"Case {case.pk}")
    expect(row).to_contain_text("credentials")
    figures = page.locator(".figures")
    expect(figures.locator("div", has_text="need attention").locator("strong")).to_have_text("1")
    screenshot(tab, "escalation-04-dashboard-needs-attention")
    found = assert_accessible(tab, "the hotline dashboard with an escalation that needs attention")
    print("axe, dashboard (needs attention):\n" + format_violations(found["violations"]))

    # The credentials are put right; the lead sends it again from the dashboard.
    hotline.set_faults("")
    with page.expect_navigation(url="**/escalations/"):
        row.get_by_role("button", name="Retry").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Escalation {escalation.pk} will be sent again."
    )
    escalation = escalation_reaches(case, "finished")
    [report] = hotline.finished()
    assert escalation.hotline_id == str(report.id)
    assert AuditEvent.objects.filter(
        action="escalation.retried", actor="user:lead", target=f"case:{case.pk}"
    ).exists()

    page.reload()
    expect(page.locator(".banner")).to_have_count(0)
    expect(attention).to_contain_text("Nothing needs attention.")
    finished = page.locator("section", has=page.get_by_role("heading", name="Finished today"))
    expect(finished.locator("tbody tr")).to_contain_text(str(report.id))
    screenshot(tab, "escalation-06-dashboard-after-retry")
    tab.assert_no_errors()
    reviewer_tab.assert_no_errors()
