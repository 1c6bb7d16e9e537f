"""The reviewer's day over HTTP: claim, look (blurred), reveal on purpose, decide, approve."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, Case
from reports.models import Platform, Report
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_image():
    media, data = stored_image(
        41,
        "ext-41",
        uploader={"id": "acct-41", "ip_events": [{"ip": "192.0.2.41", "type": "upload"}]},
    )
    return filing.file_report(media.report_id), media, data


def assert_no_original(html: bytes, original: bytes) -> None:
    assert original not in html
    assert base64.b64encode(original)[:200] not in html


def test_claim_view_reveal_decide_approve(case_with_image):
    case, media, original = case_with_image
    reviewer = make_user("rev", roles.REVIEWER)
    lead, lead2 = (
        make_user("lead", roles.ESCALATION_LEAD),
        make_user("lead2", roles.ESCALATION_LEAD),
    )
    client = signed_in(reviewer)

    response = client.post("/queues/csam/next")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert f"/media/{media.pk}/preview".encode() in page.content
    assert b"192.0.2.41" in page.content
    assert_no_original(page.content, original)
    assert page["Cache-Control"].startswith("max-age=0")

    # the reveal is a POST; a GET does nothing
    assert client.get(f"/cases/{case.pk}/media/{media.pk}/reveal").status_code == 405
    revealed = client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    assert revealed.status_code == 200
    assert revealed.content == original
    assert revealed["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="media.revealed")
    assert (event.actor, event.target, event.data) == (
        "user:rev",
        f"media:{media.pk}",
        {"case": case.pk},
    )
    meta = client.post(f"/cases/{case.pk}/media/{media.pk}/metadata")
    assert meta.status_code == 200 and "metadata" in meta.json()

    response = client.post(
        f"/cases/{case.pk}/decide",
        {
            "verdict": "csam_confirmed",
            f"industry-{media.pk}": "A1",
            f"iwf-{media.pk}": "A",
            f"annotations-{media.pk}": ["generativeAi", "viral"],
            "incident_type": "Child Pornography (possession, manufacture, and distribution)",
            "notes": "synthetic",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    decision = case.decisions.get()
    assert decision.media_labels == {
        str(media.pk): {"industry": "A1", "iwf": "A", "annotations": ["generativeAi", "viral"]}
    }
    # after deciding, the reviewer may no longer reveal
    assert client.post(f"/cases/{case.pk}/media/{media.pk}/reveal").status_code == 403

    lead_client = signed_in(lead)
    page = lead_client.get(f"/cases/{case.pk}/")
    assert b"Second review" in page.content
    assert_no_original(page.content, original)
    assert lead_client.post(f"/cases/{case.pk}/approve").status_code == 302
    case.refresh_from_db()
    assert case.status == "approved"
    assert signed_in(lead2).get(f"/cases/{case.pk}/").status_code == 200


def test_reviewer_not_holding_cannot_reveal(case_with_image):
    case, media, _ = case_with_image
    response = signed_in(make_user("rev", roles.REVIEWER)).post(
        f"/cases/{case.pk}/media/{media.pk}/reveal"
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="media.revealed").exists()


def test_media_of_another_case_cannot_be_revealed_through_this_one(case_with_image):
    _, media, _ = case_with_image
    other_report = Report.objects.create(
        platform=Platform.objects.get(name="p"),
        source="api",
        external_id="other",
        reported_at="2026-11-01T00:00:00Z",
        reason="csam",
        raw_payload={},
        status="processed",
        child_in_imminent_danger=True,  # claimed first
    )
    other = filing.file_report(other_report.pk)
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{other.pk}/"
    response = client.post(f"/cases/{other.pk}/media/{media.pk}/reveal")
    assert response.status_code == 403
    assert b"not part of this case" in response.content


def test_nothing_to_claim_redirects_back_with_a_message():
    client = signed_in(make_user("rev", roles.REVIEWER))
    response = client.post("/queues/csam/next", follow=True)
    assert response.redirect_chain[-1][0] == "/queues/"
    assert b"Nothing to claim" in response.content


def test_search_finds_cases_by_every_key(case_with_image):
    case, media, _ = case_with_image
    client = signed_in(make_user("aud", roles.AUDITOR))
    for query in (str(case.pk), "ext-41", media.sha256, media.md5, "acct-41"):
        response = client.get("/cases/", {"q": query})
        assert f'href="/cases/{case.pk}/"'.encode() in response.content, query
    assert b"0 cases" in client.get("/cases/", {"q": "nothing-like-this"}).content


def test_auditor_sees_case_without_evidence(case_with_image):
    case, media, original = case_with_image
    page = signed_in(make_user("aud", roles.AUDITOR)).get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert f"/media/{media.pk}/preview".encode() not in page.content
    assert b"Reveal original" not in page.content


def test_queue_page_counts_open_cases_and_breaches(case_with_image):
    from django.utils import timezone

    case, _, _ = case_with_image
    Case.objects.filter(pk=case.pk).update(deadline_at=timezone.now())
    page = signed_in(make_user("rev", roles.REVIEWER)).get("/queues/")
    assert page.status_code == 200
    assert b'<strong class="breach">1</strong>' in page.content


def test_case_page_links_the_uploaders_other_cases(case_with_image):
    case, _, _ = case_with_image
    other_media, _ = stored_image(42, "ext-42", uploader={"id": "acct-41"})
    unrelated_media, _ = stored_image(43, "ext-43", uploader={"id": "someone-else"})
    other = filing.file_report(other_media.report_id)
    unrelated = filing.file_report(unrelated_media.report_id)
    page = signed_in(make_user("aud", roles.AUDITOR)).get(f"/cases/{case.pk}/").content
    assert b"The uploader's other cases" in page
    assert f'href="/cases/{other.pk}/"'.encode() in page
    assert f'href="/cases/{unrelated.pk}/"'.encode() not in page


def test_an_expired_lease_shows_no_decision_form(case_with_image):
    """The page asks the same question the decide action does: is the lease still held?"""
    case, _, _ = case_with_image
    client = signed_in(make_user("rev", roles.REVIEWER))
    client.post("/queues/csam/next")
    assert b'id="decision-form"' in client.get(f"/cases/{case.pk}/").content

    Case.objects.filter(pk=case.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert b'id="decision-form"' not in page.content
    refused = client.post(f"/cases/{case.pk}/decide", {"verdict": "not_csam"}, follow=True)
    assert b"Claim the case before deciding it." in refused.content
    case.refresh_from_db()
    assert case.status == "in_review" and not case.decisions.exists()
