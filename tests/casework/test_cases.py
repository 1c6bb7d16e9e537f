"""Cases: filing reports by content, claiming under leases, decisions and four-eyes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from casework import accounts, roles
from casework.cases import claims, decisions, filing, lead_operations, routing
from casework.cases.errors import CaseActionRefused
from casework.models import AuditEvent, Case, Queue
from reports.models import Media, Platform, Report
from reports.sealed_fields import matching

pytestmark = pytest.mark.django_db


def make_report(n: int, *, sha256s=(), reason="csam", **fields) -> Report:
    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id=f"r{n}",
        reported_at=timezone.now(),
        reason=reason,
        raw_payload={},
        status="processed",
        **fields,
    )
    for i, sha in enumerate(sha256s):
        Media.objects.create(
            report=report,
            position=i,
            filename="x.jpg",
            kind="image",
            content_type="image/jpeg",
            size=1,
            width=1,
            height=1,
            vault_name=f"v{n}-{i}",
            key_id="k",
            sha256=sha,
            status="processed",
        )
    return report


def user(name: str, role: str = roles.REVIEWER):
    return accounts.create_user(name, role=role, password="pw-long-enough-1", created_by="t")


def test_reports_of_the_same_content_share_a_case():
    a = filing.file_report(make_report(1, sha256s=["a" * 64]).pk)
    b = filing.file_report(make_report(2, sha256s=["b" * 64, "a" * 64]).pk)
    c = filing.file_report(make_report(3, sha256s=["c" * 64]).pk)
    d = filing.file_report(make_report(4, sha256s=["b" * 64]).pk)  # via report 2's other file
    assert a.pk == b.pk == d.pk != c.pk
    assert filing.file_report(make_report(5).pk).pk not in {a.pk, c.pk}  # no media: own case
    assert AuditEvent.objects.filter(action="case.opened").count() == 3
    assert AuditEvent.objects.filter(action="case.report_added").count() == 2


def test_filing_twice_is_harmless():
    report = make_report(1, sha256s=["a" * 64])
    assert filing.file_report(report.pk).pk == filing.file_report(report.pk).pk
    assert Case.objects.count() == 1


def test_routing_by_reason_and_default_queues_exist():
    assert set(Queue.objects.values_list("slug", flat=True)) >= {"csam", "csam-ai", "other"}
    assert filing.file_report(make_report(1, reason="csam_ai_generated").pk).queue.slug == "csam-ai"
    assert filing.file_report(make_report(2, reason="grooming").pk).queue.slug == "other"


def test_priority_puts_imminent_danger_first():
    calm = filing.file_report(make_report(1, classifier={"name": "c", "score": 0.99}).pk)
    urgent = filing.file_report(make_report(2, child_in_imminent_danger=True).pk)
    assert urgent.priority > calm.priority
    reviewer = user("rev")
    assert claims.claim_next_case(user=reviewer, queue=urgent.queue).pk == urgent.pk


def test_claim_lease_expiry_and_release():
    case = filing.file_report(make_report(1).pk)
    first, second = user("first"), user("second")
    assert claims.claim_next_case(user=first, queue=case.queue).pk == case.pk
    assert claims.claim_next_case(user=second, queue=case.queue) is None
    # the same reviewer asking again keeps their case
    assert claims.claim_next_case(user=first, queue=case.queue).pk == case.pk
    Case.objects.filter(pk=case.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert claims.claim_next_case(user=second, queue=case.queue).pk == case.pk
    with pytest.raises(CaseActionRefused):
        decisions.record_decision(case_id=case.pk, user=first, verdict="not_csam")
    claims.release_case(case_id=case.pk, user=second, skip_reason="conflict of interest")
    assert claims.claim_next_case(user=second, queue=case.queue) is None  # skipped by them
    assert claims.claim_next_case(user=first, queue=case.queue).pk == case.pk


def test_auditor_cannot_claim():
    case = filing.file_report(make_report(1).pk)
    with pytest.raises(CaseActionRefused):
        claims.claim_next_case(user=user("aud", roles.AUDITOR), queue=case.queue)


def test_four_eyes():
    case = filing.file_report(make_report(1, jurisdiction="US").pk)
    lead, other_lead, reviewer = (
        user("lead", roles.ESCALATION_LEAD),
        user("lead2", roles.ESCALATION_LEAD),
        user("rev"),
    )
    claims.claim_next_case(user=lead, queue=case.queue)
    decisions.record_decision(
        case_id=case.pk,
        user=lead,
        verdict="csam_confirmed",
        media_labels={"1": {"industry": "A1", "iwf": "A", "annotations": ["generativeAi"]}},
    )
    assert Case.objects.get(pk=case.pk).status == "awaiting_approval"
    with pytest.raises(CaseActionRefused, match="second person"):
        decisions.approve_decision(case_id=case.pk, lead=lead)
    with pytest.raises(CaseActionRefused, match="Only escalation leads"):
        decisions.approve_decision(case_id=case.pk, lead=reviewer)
    with pytest.raises(CaseActionRefused, match="why"):
        decisions.return_decision(case_id=case.pk, lead=other_lead, reason=" ")
    decisions.return_decision(case_id=case.pk, lead=other_lead, reason="check file 2")
    assert Case.objects.get(pk=case.pk).status == "in_review"
    claims.claim_next_case(user=reviewer, queue=case.queue)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="csam_suspected")
    decisions.approve_decision(case_id=case.pk, lead=lead)
    case.refresh_from_db()
    # The report has a US nexus: approval opened an NCMEC escalation in the same transaction.
    assert case.status == "escalating"
    assert list(case.escalations.values_list("target", "state")) == [("ncmec", "pending")]
    assert [e.action for e in AuditEvent.objects.filter(target=f"case:{case.pk}")] == [
        "case.opened",
        "case.claimed",
        "case.decided",
        "case.returned",
        "case.claimed",
        "case.decided",
        "case.approved",
        "escalation.opened",
    ]


def test_other_verdicts_close_and_bad_labels_are_refused():
    case = filing.file_report(make_report(1).pk)
    reviewer = user("rev")
    claims.claim_next_case(user=reviewer, queue=case.queue)
    with pytest.raises(CaseActionRefused, match="industry"):
        decisions.record_decision(
            case_id=case.pk,
            user=reviewer,
            verdict="not_csam",
            media_labels={"1": {"industry": "Z9"}},
        )
    with pytest.raises(CaseActionRefused, match="verdict"):
        decisions.record_decision(case_id=case.pk, user=reviewer, verdict="maybe")
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="not_csam")
    case.refresh_from_db()
    assert (case.status, case.holder_id) == ("closed", None)


@pytest.mark.django_db(transaction=True)
def test_32_reviewers_over_1000_cases_each_claimed_once():
    routing.ensure_default_queues()  # a transactional test starts from flushed tables
    queue = Queue.objects.get(slug="csam")
    now = timezone.now()
    Case.objects.bulk_create(
        [Case(queue=queue, deadline_at=now, priority=i % 7) for i in range(1000)]
    )
    reviewers = [user(f"r{i}") for i in range(32)]
    taken: list[tuple[int, int]] = []
    lock = threading.Lock()

    def work(reviewer) -> None:
        while True:
            case = claims.claim_next_case(user=reviewer, queue=queue)
            if case is None:
                break
            with lock:
                taken.append((case.pk, reviewer.pk))
            # finish it so the next claim gives a new case
            decisions.record_decision(case_id=case.pk, user=reviewer, verdict="not_csam")
        connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [case_id for case_id, _ in taken]
    assert len(claimed) == 1000
    assert len(set(claimed)) == 1000
    assert Case.objects.exclude(status="closed").count() == 0


def test_lead_merges_and_splits_cases_audited():
    a = filing.file_report(make_report(1, sha256s=["a" * 64]).pk)
    b = filing.file_report(make_report(2, sha256s=["b" * 64]).pk)
    lead = user("lead", roles.ESCALATION_LEAD)
    with pytest.raises(CaseActionRefused, match="Only escalation leads"):
        lead_operations.merge_cases(lead=user("rev"), case_id=b.pk, into_id=a.pk)
    lead_operations.merge_cases(lead=lead, case_id=b.pk, into_id=a.pk)
    b.refresh_from_db()
    assert b.status == "closed"
    assert sorted(a.case_reports.values_list("report__external_id", flat=True)) == ["r1", "r2"]
    # a later report of b's content now joins a
    assert filing.file_report(make_report(3, sha256s=["b" * 64]).pk).pk == a.pk
    r2 = Report.objects.get(matching(Report, "external_id_digest", "r2"))
    r3 = Report.objects.get(matching(Report, "external_id_digest", "r3"))
    new = lead_operations.split_case(lead=lead, case_id=a.pk, report_ids=[r2.pk, r3.pk])
    assert sorted(new.case_reports.values_list("report__external_id", flat=True)) == ["r2", "r3"]
    assert set(new.contents.values_list("sha256", flat=True)) == {"b" * 64}
    with pytest.raises(CaseActionRefused, match="not all"):
        lead_operations.split_case(lead=lead, case_id=new.pk, report_ids=[r2.pk, r3.pk])
    actions_logged = AuditEvent.objects.filter(action__in=["case.merged", "case.split"])
    assert actions_logged.count() == 4


def test_a_case_under_a_legal_hold_is_neither_merged_nor_split():
    from casework.models import LegalHold

    a = filing.file_report(make_report(11, sha256s=["c" * 64]).pk)
    b = filing.file_report(make_report(12, sha256s=["d" * 64]).pk)
    lead = user("lead", roles.ESCALATION_LEAD)
    hold = LegalHold.objects.create(
        case=b, reason="police request", placed_by=user("adm"), placed_at=timezone.now()
    )
    for held_side in ({"case_id": b.pk, "into_id": a.pk}, {"case_id": a.pk, "into_id": b.pk}):
        with pytest.raises(CaseActionRefused, match="legal hold"):
            lead_operations.merge_cases(lead=lead, **held_side)
    r12 = Report.objects.get(matching(Report, "external_id_digest", "r12"))
    with pytest.raises(CaseActionRefused, match="legal hold"):
        lead_operations.split_case(lead=lead, case_id=b.pk, report_ids=[r12.pk])
    assert b.case_reports.count() == 1 and a.case_reports.count() == 1
    LegalHold.objects.filter(pk=hold.pk).update(lifted_at=timezone.now())
    lead_operations.merge_cases(lead=lead, case_id=b.pk, into_id=a.pk)
    assert a.case_reports.count() == 2
