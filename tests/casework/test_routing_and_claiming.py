"""A list match routes a case to the CSAM queue (and says why), a late match re-routes an
open unheld case, priority reads as its reasons, and a case is claimed from its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import roles
from casework.cases import claims, filing, routing
from casework.cases.errors import CaseActionRefused
from casework.models import AuditEvent, Case
from reports.matching import record_matches
from reports.models import HashEntry, HashList, Media, MediaMatch
from tests.casework.test_cases import make_report
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

SHA = "a" * 64


def known_list(name="Known-B", value=SHA):
    hash_list = HashList.objects.create(name=name, default_category="B1")
    return HashEntry.objects.create(hash_list=hash_list, kind="sha256", value=value)


def test_a_list_match_routes_to_the_csam_queue_whatever_the_reason():
    entry = known_list()
    report = make_report(1, sha256s=[SHA], reason="other", child_in_imminent_danger=True)
    MediaMatch.objects.create(media=report.media.get(), entry=entry, distance=12)
    case = filing.file_report(report.pk)
    assert case.queue.slug == "csam"
    assert case.routing_reason == "CSAM queue because: list Known-B matched at distance 12"
    assert case.deadline_at - case.created_at < timedelta(hours=25)
    assert case.matched and case.matched_lists == ["Known-B"]
    assert case.priority_reasons[:2] == [
        {"kind": "imminent_danger"},
        {"kind": "list_match", "list": "Known-B", "distance": 12},
    ]
    page = signed_in(make_user("lead", roles.ESCALATION_LEAD)).get(f"/cases/{case.pk}/")
    text = page.content.decode()
    assert "CSAM queue because: list Known-B matched at distance 12" in text
    assert "child in imminent danger · list Known-B matched at distance 12 · 1 report" in text
    assert str(case.priority) not in text.split("Priority:")[1].split("</p>")[0]


def test_without_a_match_the_platforms_reason_routes_and_is_named():
    case = filing.file_report(make_report(1, sha256s=["b" * 64], reason="other").pk)
    assert case.queue.slug == "other"
    assert case.routing_reason == "Other queue because: it takes any report"
    csam = filing.file_report(make_report(2, sha256s=["c" * 64], reason="csam").pk)
    assert csam.routing_reason == "CSAM queue because: the platform gave reason csam"


def test_a_late_match_reroutes_an_open_unclaimed_case_audited():
    report = make_report(1, sha256s=[SHA], reason="other")
    case = filing.file_report(report.pk)
    assert case.queue.slug == "other"
    known_list()
    record_matches(Media.objects.get(report=report))  # the rescan after a list grew
    case.refresh_from_db()
    assert case.queue.slug == "csam"
    assert case.routing_reason == "CSAM queue because: list Known-B matched at distance 0"
    assert case.matched and case.priority >= 5_000
    assert case.deadline_at <= case.created_at + timedelta(hours=24)
    event = AuditEvent.objects.get(action="case.rerouted", target=f"case:{case.pk}")
    assert event.data["from"] == "other" and event.data["to"] == "csam"


def test_a_late_match_leaves_a_held_or_decided_case_where_it_is():
    reviewer = make_user("rev", roles.REVIEWER)
    held = filing.file_report(make_report(1, sha256s=[SHA], reason="other").pk)
    claims.claim_case(case_id=held.pk, user=reviewer)
    closed = filing.file_report(make_report(2, sha256s=["d" * 64], reason="other").pk)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    known_list()
    HashEntry.objects.create(hash_list=HashList.objects.get(), kind="sha256", value="d" * 64)
    for media in Media.objects.all():
        record_matches(media)
    for case in (held, closed):
        case.refresh_from_db()
        assert case.queue.slug == "other"
        assert case.matched  # the match still raises what the list shows
    assert not AuditEvent.objects.filter(action="case.rerouted").exists()


def test_a_later_report_with_a_match_reroutes_its_open_case():
    first = filing.file_report(make_report(1, sha256s=[SHA], reason="other").pk)
    entry = known_list(value="e" * 64)
    second = make_report(2, sha256s=[SHA, "e" * 64], reason="other")
    MediaMatch.objects.create(media=second.media.get(sha256="e" * 64), entry=entry, distance=0)
    case = filing.file_report(second.pk)
    assert case.pk == first.pk and case.queue.slug == "csam"


def test_claim_from_the_case_page_takes_an_open_unheld_case():
    routing.ensure_default_queues()
    case = filing.file_report(make_report(1, sha256s=[SHA]).pk)
    reviewer = make_user("rev", roles.REVIEWER)
    client = signed_in(reviewer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-shortcut="c"' in page
    response = client.post(f"/cases/{case.pk}/claim")
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.holder == reviewer and case.status == Case.Status.IN_REVIEW
    assert case.lease_expires_at > timezone.now() + timedelta(minutes=1)
    event = AuditEvent.objects.get(action="case.claimed", target=f"case:{case.pk}")
    assert event.data["from"] == "case page"
    assert 'data-shortcut="c"' not in client.get(f"/cases/{case.pk}/").content.decode()


def test_claim_from_the_page_keeps_the_lease_rules():
    routing.ensure_default_queues()
    a = filing.file_report(make_report(1, sha256s=[SHA]).pk)
    b = filing.file_report(make_report(2, sha256s=["b" * 64]).pk)
    first, second = make_user("rev1", roles.REVIEWER), make_user("rev2", roles.REVIEWER)
    claims.claim_case(case_id=a.pk, user=first)
    with pytest.raises(CaseActionRefused, match="held by someone else"):
        claims.claim_case(case_id=a.pk, user=second)
    assert 'data-shortcut="c"' not in signed_in(second).get(f"/cases/{a.pk}/").content.decode()
    with pytest.raises(CaseActionRefused, match=f"You hold case {a.pk}"):
        claims.claim_case(case_id=b.pk, user=first)
    # an expired lease frees the case for someone else
    Case.objects.filter(pk=a.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert claims.claim_case(case_id=a.pk, user=second).holder == second
    Case.objects.filter(pk=b.pk).update(status=Case.Status.CLOSED)
    with pytest.raises(CaseActionRefused, match="not open"):
        claims.claim_case(case_id=b.pk, user=first)
    response = signed_in(first).post(f"/cases/{b.pk}/claim")
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.holder is None


def test_auditors_cannot_claim_from_the_page():
    routing.ensure_default_queues()
    case = filing.file_report(make_report(1, sha256s=[SHA]).pk)
    client = signed_in(make_user("aud", roles.AUDITOR))
    assert 'data-shortcut="c"' not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.post(f"/cases/{case.pk}/claim").status_code == 403


def test_refresh_case_facts_fills_in_cases_filed_before_and_reroutes_them():
    from django.core.management import call_command

    report = make_report(1, sha256s=[SHA], reason="other", jurisdiction="US")
    case = filing.file_report(report.pk)
    Case.objects.filter(pk=case.pk).update(source="", jurisdiction="", priority_reasons=[])
    entry = known_list()
    MediaMatch.objects.create(media=report.media.get(), entry=entry, distance=3)
    call_command("refresh_case_facts")
    case.refresh_from_db()
    assert (case.source, case.jurisdiction) == ("api", "US")
    assert case.queue.slug == "csam" and case.priority_reasons
    assert AuditEvent.objects.filter(action="case.rerouted", target=f"case:{case.pk}").exists()
