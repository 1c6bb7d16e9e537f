"""Leads review quarantined hash-list entries: a flooded entry's matches raise no priority
and route nothing to the CSAM queue, a confirm (audited) gives them back, a disable stops
the entry, and not-CSAM verdicts flag a third-party entry into the same review list."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import claims, decisions, filing
from casework.models import AuditEvent
from reports.matching import record_matches
from reports.models import HashEntry, HashList, Media
from tests.casework.test_cases import make_report
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

SHA = "a" * 64


def known_entry(name="NCMEC") -> HashEntry:
    hash_list = HashList.objects.create(name=name, default_category="A1")
    return HashEntry.objects.create(hash_list=hash_list, kind="sha256", value=SHA)


def matched_report(n: int, sha: str = SHA):
    report = make_report(n, sha256s=[sha], reason="other")
    record_matches(report.media.get())
    return report


def test_a_flood_of_50_in_an_hour_quarantines_and_the_next_match_weighs_nothing():
    entry = known_entry()
    for n in range(50):
        matched_report(n)  # not filed: the flood arrives faster than filing
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.QUARANTINED
    quarantined = AuditEvent.objects.get(action="hash_entry.quarantined")
    assert quarantined.target == f"hash_entry:{entry.pk}" and quarantined.actor == "system:hygiene"

    case = filing.file_report(matched_report(51).pk)
    assert case.queue.slug == "other"
    assert case.priority < 5_000 and not case.matched
    page = signed_in(make_user("rev", roles.REVIEWER)).get(f"/cases/{case.pk}/").content.decode()
    assert "Hash-list match: NCMEC (sha256) — quarantined entry" in page
    assert "selected>A1" not in page and '<option value="A1" selected>' not in page

    lead = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    listed = lead.get("/hashlists/review/").content.decode()
    assert "flood: 50 matches within 60 min" in listed and "51 <span" in listed
    response = lead.post(f"/hashlists/entries/{entry.pk}/confirm", {"reason": "known series"})
    assert response.status_code == 302 and response.url == "/hashlists/review/"
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.CONFIRMED and entry.reviewed_by == "lead"
    event = AuditEvent.objects.get(action="hash_entry.confirmed")
    assert event.actor == "user:lead" and event.target == f"hash_entry:{entry.pk}"
    assert event.data["reason"] == "known series"
    assert event.data["quarantined_for"] == "flood: 50 matches within 60 min"
    case.refresh_from_db()
    assert case.priority >= 5_000 and case.matched and case.queue.slug == "csam"
    assert "No entry is in review." in lead.get("/hashlists/review/").content.decode()


def test_a_lead_disables_a_quarantined_entry_and_it_matches_nothing(settings):
    settings.FLOOD_MATCHES = 2
    entry = known_entry()
    matched_report(1)
    matched_report(2)
    lead = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    assert lead.post(f"/hashlists/entries/{entry.pk}/disable").status_code == 302
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.DISABLED
    event = AuditEvent.objects.get(action="hash_entry.disabled")
    assert event.data["reason"] == "" and event.data["reports"] == 2
    case = filing.file_report(matched_report(3).pk)
    assert not case.matched and case.queue.slug == "other"
    # a second review of the same entry is refused, not a 500
    again = lead.post(f"/hashlists/entries/{entry.pk}/confirm", follow=True)
    assert "is disabled, not in review" in again.content.decode()
    assert lead.post("/hashlists/entries/999999/confirm").status_code == 404


def test_third_party_entry_decided_not_csam_three_times_is_flagged_for_review():
    md5 = "c" * 32  # three different files (three cases) that one MD5 entry matches
    entry = HashEntry.objects.create(
        hash_list=HashList.objects.create(name="Tech Coalition", source="tech_coalition"),
        kind="md5",
        value=md5,
    )
    bystander = HashEntry.objects.create(hash_list=entry.hash_list, kind="sha256", value="b" * 64)
    reviewer = make_user("rev", roles.REVIEWER)
    cases = set()
    for n in range(3):
        report = make_report(n, sha256s=[f"{n + 1:064x}"], reason="other")
        media = report.media.get()
        Media.objects.filter(pk=media.pk).update(md5=md5)
        media.refresh_from_db()
        record_matches(media)
        case = filing.file_report(report.pk)
        cases.add(case.pk)
        claims.claim_case(case_id=case.pk, user=reviewer)
        decisions.record_decision(case_id=case.pk, user=reviewer, verdict="not_csam")
        entry.refresh_from_db()
        assert entry.not_csam_count == n + 1
    assert len(cases) == 3
    assert entry.state == HashEntry.State.QUARANTINED
    assert entry.quarantine_reason == "repeatedly decided not CSAM"
    assert HashEntry.objects.get(pk=bystander.pk).state == HashEntry.State.ACTIVE
    lead = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    page = lead.get("/hashlists/review/").content.decode()
    assert "repeatedly decided not CSAM" in page and "Tech Coalition" in page
    assert AuditEvent.objects.filter(action="hash_entries.reviewed_list").exists()


def test_open_cases_lose_the_priority_of_an_entry_once_it_is_quarantined(settings):
    settings.FLOOD_MATCHES = 3
    entry = known_entry()
    case = filing.file_report(matched_report(1).pk)
    assert case.priority >= 5_000 and case.matched
    matched_report(2)
    matched_report(3)  # the flood: quarantined
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.QUARANTINED
    case.refresh_from_db()
    assert case.priority < 5_000 and not case.matched
