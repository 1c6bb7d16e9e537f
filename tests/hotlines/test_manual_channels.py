"""Manual channels (IWF, Cybertip.ca, INHOPE, the NCA portal): the prepared referral, the
reference a lead records, reminders while it is outstanding, and the case's status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from casework import roles
from casework.beat import beat_schedule
from casework.escalation import actions, manual, outbox
from casework.escalation.models import Escalation
from casework.models import AuditEvent, Case
from reports.models import Media
from tests.helpers import make_user, signed_in
from tests.hotlines.escalations import approve
from tests.hotlines.manual_cases import URL, approved_manual_case, filed_with_media

pytestmark = pytest.mark.django_db


def escalation_of(case: Case, target: str) -> Escalation:
    return Escalation.objects.get(case=case, target=target)


def lead_client(name: str = "lead-x"):
    return signed_in(make_user(name, roles.ESCALATION_LEAD))


def test_approval_opens_manual_escalations_the_outbox_leaves_alone():
    case = approved_manual_case(1)
    iwf, cybertip = escalation_of(case, "iwf"), escalation_of(case, "cybertip")
    assert {iwf.state, cybertip.state} == {"awaiting_reference"}
    assert case.status == "escalating"
    # The worker never drives it (no adapter is even connected for a manual target).
    assert outbox.drive(iwf.pk) == "awaiting_reference"
    assert iwf.attempts.count() == 0


def test_the_referral_carries_url_translated_category_hashes_dates_description():
    case = approved_manual_case(2)
    media = Media.objects.get(report_id__in=case.case_reports.values("report_id"))
    client = lead_client()
    page = client.get(reverse("escalation-manual", args=[escalation_of(case, "iwf").pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert URL in text
    assert "Category (UK category (A, B, C))" in text
    assert f"case-{case.pk}-media-{media.pk}.jpg: A</pre>" in text  # stored UK A, as graded
    assert media.sha256 in text and media.md5 in text
    assert "When it was first reported: 2026-11-01 00:00 UTC" in text
    assert "Child Pornography (possession, manufacture, and distribution): 1 file(s)" in text
    assert 'data-copy="field-urls"' in text and "casework/copy.js" in text
    assert "set <code>IWF_REPORT_URL</code>" in text  # no form address configured
    # Cybertip.ca grades in INHOPE's scheme: the industry A1 is INTERPOL baseline.
    page = client.get(reverse("escalation-manual", args=[escalation_of(case, "cybertip").pk]))
    assert "INTERPOL baseline / national" in page.content.decode()
    assert f"media-{media.pk}.jpg: baseline" in page.content.decode()
    viewed = AuditEvent.objects.filter(
        action="escalation.referral_viewed", target=f"case:{case.pk}"
    )
    assert viewed.count() == 2


def test_the_hotline_form_address_comes_from_its_setting(settings):
    settings.IWF_REPORT_URL = "https://hotline.example.test/report"
    case = approved_manual_case(3)
    page = lead_client().get(reverse("escalation-manual", args=[escalation_of(case, "iwf").pk]))
    assert 'href="https://hotline.example.test/report"' in page.content.decode()


def test_recording_the_reference_finishes_the_escalation_and_is_audited():
    case = approved_manual_case(4)
    iwf = escalation_of(case, "iwf")
    response = lead_client().post(
        reverse("escalation-reference", args=[iwf.pk]), {"reference": " IWF-778 "}
    )
    assert response.status_code == 302
    iwf.refresh_from_db()
    assert (iwf.state, iwf.hotline_id) == ("finished", "IWF-778")
    assert iwf.finished_at is not None
    event = AuditEvent.objects.get(action="escalation.reference_recorded")
    assert event.data == {"escalation": iwf.pk, "target": "iwf", "reference": "IWF-778"}
    assert event.actor == "user:lead-x"
    # The referral's file is recorded, so its preservation is extended like any report's.
    assert list(iwf.files.values_list("key", flat=True))[0].startswith("media:")


def test_a_reference_is_required():
    case = approved_manual_case(5)
    iwf = escalation_of(case, "iwf")
    client = lead_client()
    for posted in ({}, {"reference": "   "}, {"reference": "x" * 65}):
        response = client.post(reverse("escalation-reference", args=[iwf.pk]), posted)
        assert response.status_code == 400
        assert b"reference must be" in response.content
    iwf.refresh_from_db()
    assert iwf.state == "awaiting_reference"
    assert not AuditEvent.objects.filter(action="escalation.reference_recorded").exists()


def test_a_second_reference_is_refused():
    case = approved_manual_case(6)
    iwf = escalation_of(case, "iwf")
    client = lead_client()
    client.post(reverse("escalation-reference", args=[iwf.pk]), {"reference": "A-1"})
    client.post(reverse("escalation-reference", args=[iwf.pk]), {"reference": "A-2"})
    iwf.refresh_from_db()
    assert iwf.hotline_id == "A-1"


@pytest.mark.parametrize("role", [roles.REVIEWER, roles.AUDITOR, roles.ADMIN])
def test_only_leads_see_the_referral_or_record_a_reference(role):
    case = approved_manual_case(7)
    iwf = escalation_of(case, "iwf")
    client = signed_in(make_user(f"u-{role}", role))
    assert client.get(reverse("escalation-manual", args=[iwf.pk])).status_code == 403
    posted = client.post(reverse("escalation-reference", args=[iwf.pk]), {"reference": "R-1"})
    assert posted.status_code == 403
    iwf.refresh_from_db()
    assert iwf.state == "awaiting_reference"
    assert not AuditEvent.objects.filter(action="escalation.referral_viewed").exists()


def test_the_case_is_escalated_only_when_every_target_has_its_reference():
    case = approved_manual_case(8)
    client = lead_client()
    client.post(
        reverse("escalation-reference", args=[escalation_of(case, "iwf").pk]), {"reference": "I-1"}
    )
    case.refresh_from_db()
    assert case.status == "escalating"
    client.post(
        reverse("escalation-reference", args=[escalation_of(case, "cybertip").pk]),
        {"reference": "C-1"},
    )
    case.refresh_from_db()
    assert case.status == "escalated"


def test_reminders_once_per_interval_while_a_reference_is_outstanding(settings):
    settings.ESCALATION_MANUAL_REMINDER_HOURS = 24
    case = approved_manual_case(9)
    iwf, cybertip = escalation_of(case, "iwf"), escalation_of(case, "cybertip")
    opened = iwf.created_at
    assert manual.remind(now=opened + timedelta(hours=23)) == 0  # not yet outstanding long
    assert manual.remind(now=opened + timedelta(hours=25)) == 2
    assert manual.remind(now=opened + timedelta(hours=26)) == 0  # once per interval
    manual.record_reference(
        escalation_id=cybertip.pk, lead=make_user("l9", roles.ESCALATION_LEAD), reference="C-9"
    )
    assert manual.remind(now=opened + timedelta(hours=49, minutes=1)) == 1  # only the IWF's
    events = AuditEvent.objects.filter(action="escalation.reminder").order_by("id")
    assert [e.data["target"] for e in events] == ["iwf", "cybertip", "iwf"]
    assert events.last().data["hours"] == 49
    assert events.last().actor == manual.REMINDER_ACTOR


def test_the_reminder_task_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in beat_schedule(media_sweep_seconds=60).values()}
    assert "casework.escalation.tasks.remind_manual_escalations" in tasks


def test_leads_see_outstanding_referrals_with_their_age():
    case = approved_manual_case(10)
    client = lead_client()
    page = client.get(reverse("escalations")).content.decode()
    assert "Awaiting the hotline's reference (by hand)" in page
    assert reverse("escalation-manual", args=[escalation_of(case, "iwf").pk]) in page
    assert "await the hotline" not in page  # not overdue yet: no banner
    Escalation.objects.filter(case=case).update(created_at=case.created_at - timedelta(days=2))
    page = client.get(reverse("escalations")).content.decode()
    assert "2 referrals to a hotline by hand still await the hotline" in page
    assert "2\xa0days" in page


def test_a_lead_adds_the_nca_portal_by_hand_with_a_reason():
    case, media = filed_with_media(11)
    labels = {str(media.pk): {"industry": "B2", "iwf": "C", "annotations": []}}
    approval = {"targets": ["iwf", "cybertip", "nca_portal"], "reason": "UK victim"}
    approve(case, 11, media_labels=labels, approval=approval)
    portal = escalation_of(case, "nca_portal")
    assert portal.state == "awaiting_reference"
    assert portal.why == "added by lead-11: UK victim"
    page = lead_client().get(reverse("escalation-manual", args=[portal.pk])).content.decode()
    assert "UK NCA (portal, by hand): referral for" in page
    assert f"media-{media.pk}.jpg: C</pre>" in page
    assert "set <code>NCA_PORTAL_URL</code>" in page


def test_a_retracted_referral_does_not_hold_the_case_back():
    case = approved_manual_case(12)
    lead = make_user("l12", roles.ESCALATION_LEAD)
    manual.record_reference(escalation_id=escalation_of(case, "iwf").pk, lead=lead, reference="I")
    actions.retract(escalation_id=escalation_of(case, "cybertip").pk, lead=lead, reason="dup")
    case.refresh_from_db()
    assert case.status == "escalated"
    assert manual.remind(now=case.created_at + timedelta(days=3)) == 0
