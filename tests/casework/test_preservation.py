"""Preservation, legal holds and purging, with the clock moved forward (purge_expired takes
`now`): closed, never-escalated evidence goes after EVIDENCE_KEEP_CLOSED_DAYS and not before;
held, open-case and outstanding-escalation evidence is never touched; escalated evidence
stays at least a year after its submission; a purged file answers 410 and keeps its record."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework import roles
from casework.cases import claims, decisions, filing
from casework.escalation import outbox
from casework.escalation.models import Escalation, EscalationFile
from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox
from casework.models import AuditEvent, Case, LegalHold
from casework.preservation import escalated, holds
from casework.preservation.purge import purge_expired
from reports import vault
from reports.models import Media
from tests.helpers import make_user, signed_in, stored_image
from tests.hotlines.escalations import approved_case

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def sandbox(settings):
    server = CyberTiplineSandbox(
        username=settings.NCMEC_USERNAME, password=settings.NCMEC_PASSWORD
    ).start()
    settings.NCMEC_BASE_URL = server.url
    yield server
    server.stop()


def filed(n: int) -> tuple[Case, Media]:
    media, _ = stored_image(n, f"ext-{n}")
    return filing.file_report(media.report_id), media


def closed(n: int) -> tuple[Case, Media]:
    """A case a reviewer closed as not CSAM (never escalated), closed now."""
    case, media = filed(n)
    reviewer = make_user(f"rev-{n}", roles.REVIEWER)
    claims.claim_case(case_id=case.pk, user=reviewer)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="not_csam")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_at is not None
    return case, media


def vault_files(media: Media) -> list[bool]:
    return [vault._path(n).exists() for n in (media.vault_name, media.preview_vault_name)]


def purged(media: Media) -> bool:
    media.refresh_from_db()
    return media.purged_at is not None


@pytest.fixture
def admin():
    return make_user("adm", roles.ADMIN)


# --- Purging closed, never-escalated evidence -----------------------------------------------


def test_closed_evidence_is_purged_after_ninety_days_and_not_before(settings):
    settings.EVIDENCE_KEEP_CLOSED_DAYS = 90
    case, media = closed(1)
    assert vault_files(media) == [True, True]
    assert purge_expired(now=case.closed_at + 89 * DAY) == 0
    assert not purged(media)
    assert vault_files(media) == [True, True]

    assert purge_expired(now=case.closed_at + 91 * DAY) == 1
    record = Media.objects.get(pk=media.pk)
    assert record.purged_at == case.closed_at + 91 * DAY
    assert vault_files(media) == [False, False]
    # The record that the file existed stays: hashes, size, dates.
    assert (record.sha256, record.md5, record.size) == (media.sha256, media.md5, media.size)
    assert record.created_at == media.created_at and record.preview_vault_name == ""
    event = AuditEvent.objects.get(action="evidence.purged")
    assert (event.actor, event.target) == ("system:preservation", f"media:{media.pk}")
    assert event.data["sha256"] == media.sha256 and event.data["case"] == case.pk
    assert event.data["size"] == media.size
    # A second run finds nothing more to do.
    assert purge_expired(now=case.closed_at + 200 * DAY) == 0


def test_the_keeping_span_is_configurable(settings):
    settings.EVIDENCE_KEEP_CLOSED_DAYS = 30
    case, media = closed(2)
    assert purge_expired(now=case.closed_at + 29 * DAY) == 0
    assert purge_expired(now=case.closed_at + 31 * DAY) == 1


def test_open_case_evidence_is_never_purged():
    case, media = filed(3)
    assert case.status == Case.Status.NEW
    assert purge_expired(now=timezone.now() + 3650 * DAY) == 0
    assert not purged(media)
    assert vault_files(media) == [True, True]


def test_held_evidence_is_never_purged_until_the_hold_is_lifted(admin):
    case, media = closed(4)
    hold = holds.place_hold(case_id=case.pk, admin=admin, reason="Subpoena 2026-17")
    assert purge_expired(now=case.closed_at + 3650 * DAY) == 0
    assert not purged(media)
    assert vault_files(media) == [True, True]
    holds.lift_hold(case_id=case.pk, hold_id=hold.pk, admin=admin, reason="Matter closed")
    assert purge_expired(now=case.closed_at + 3650 * DAY) == 1
    assert purged(media)


def test_evidence_in_an_outstanding_escalation_is_never_purged():
    """A settled case's file carried by another case's escalation still under way (the
    account's other files) stays while that escalation is outstanding."""
    case, media = closed(5)
    other, _ = filed(6)
    Case.objects.filter(pk=other.pk).update(status=Case.Status.ESCALATING)
    for state in ("pending", "sending", "submitted", "needs_attention"):
        Escalation.objects.filter(case=other).delete()
        escalation = Escalation.objects.create(case=other, target="ncmec", why="t", state=state)
        EscalationFile.objects.create(escalation=escalation, key=f"media:{media.pk}", name="f")
        assert purge_expired(now=case.closed_at + 3650 * DAY) == 0, state
        assert not purged(media)
        EscalationFile.objects.filter(escalation=escalation).delete()
    Escalation.objects.filter(case=other).update(state="finished")
    assert purge_expired(now=case.closed_at + 3650 * DAY) == 1


def test_a_case_with_its_own_pending_escalation_is_never_purged():
    case, media = closed(7)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.ESCALATED)
    Escalation.objects.create(case=case, target="ncmec", why="t", state="pending")
    assert purge_expired(now=case.closed_at + 3650 * DAY) == 0
    assert not purged(media)


def test_a_late_report_joining_a_closed_case_gets_its_own_span(settings):
    case, first = closed(8)
    later = timezone.now() + 60 * DAY
    second, _ = stored_image(8, "ext-8-again")  # the same picture: joins the closed case
    Media.objects.filter(pk=second.pk).update(created_at=later)
    assert filing.file_report(second.report_id).pk == case.pk
    assert purge_expired(now=case.closed_at + 91 * DAY) == 1
    assert purged(first) and not purged(second)
    assert purge_expired(now=later + 91 * DAY) == 1


# --- Escalated evidence -------------------------------------------------------------------


def test_escalated_evidence_is_preserved_a_year_after_submission(sandbox):
    escalation = approved_case(11)
    assert outbox.drive(escalation.pk) == "finished"
    escalation.refresh_from_db()
    [media] = Media.objects.filter(report__case_link__case_id=escalation.case_id)
    assert media.preserved_until == escalation.submitted_at + 365 * DAY
    assert "NCMEC report" in media.preserved_reason and "2258A(h)" in media.preserved_reason
    assert AuditEvent.objects.filter(action="evidence.preserved").exists()
    # Kept well past the 90 days of a closed case, for the year after submission.
    assert purge_expired(now=escalation.submitted_at + 364 * DAY) == 0
    assert not purged(media)
    assert purge_expired(now=escalation.submitted_at + 366 * DAY) == 1
    assert purged(media)


def test_a_later_submission_extends_preservation_and_never_shortens_it():
    case, media = filed(12)
    escalation = Escalation.objects.create(case=case, target="ncmec", why="t", hotline_id="9")
    EscalationFile.objects.create(escalation=escalation, key=f"media:{media.pk}", name="f")
    first = timezone.now()
    escalated.preserve_escalated(escalation, first)
    escalated.preserve_escalated(escalation, first + 100 * DAY)
    media.refresh_from_db()
    assert media.preserved_until == first + 465 * DAY
    escalated.preserve_escalated(escalation, first)  # an earlier date does not shorten it
    media.refresh_from_db()
    assert media.preserved_until == first + 465 * DAY


def test_a_preservation_shorter_than_a_year_is_refused_at_start():
    from tests.casework.test_settings import KEY, SECRET, start_settings

    result = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY, EVIDENCE_PRESERVE_DAYS="364")
    assert result.returncode != 0
    assert "EVIDENCE_PRESERVE_DAYS must be at least 365" in result.stderr
    longer = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY, EVIDENCE_PRESERVE_DAYS="3650")
    assert longer.returncode == 0, longer.stderr


# --- Legal holds over HTTP ----------------------------------------------------------------


def test_an_admin_places_and_lifts_a_hold_with_a_reason_audited(admin):
    case, _ = closed(13)
    client = signed_in(admin)
    response = client.post(f"/cases/{case.pk}/holds/place", {"reason": "Preservation order 42"})
    assert response.status_code == 302
    hold = LegalHold.objects.get(case=case)
    assert (hold.reason, hold.placed_by, hold.active) == ("Preservation order 42", admin, True)
    placed = AuditEvent.objects.get(action="legal_hold.placed")
    assert (placed.actor, placed.target) == ("user:adm", f"case:{case.pk}")
    assert placed.data == {"hold": hold.pk, "reason": "Preservation order 42"}
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Preservation order 42" in page and "Under legal hold" in page

    response = client.post(f"/cases/{case.pk}/holds/{hold.pk}/lift", {"reason": "Order ended"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason, hold.active) == (admin, "Order ended", False)
    lifted = AuditEvent.objects.get(action="legal_hold.lifted")
    assert lifted.data["reason"] == "Order ended" and lifted.target == f"case:{case.pk}"
    again = client.post(f"/cases/{case.pk}/holds/{hold.pk}/lift", {"reason": "twice"})
    assert again.status_code == 409


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_hold_without_a_reason_is_400_naming_reason(admin, reason):
    case, _ = closed(14)
    client = signed_in(admin)
    response = client.post(f"/cases/{case.pk}/holds/place", {"reason": reason})
    assert response.status_code == 400
    assert response.content.decode().startswith("reason:")
    assert not LegalHold.objects.exists()
    hold = holds.place_hold(case_id=case.pk, admin=admin, reason="r")
    response = client.post(f"/cases/{case.pk}/holds/{hold.pk}/lift", {"reason": reason})
    assert response.status_code == 400 and b"reason" in response.content
    assert LegalHold.objects.get().active


def test_a_hold_of_another_case_is_404(admin):
    case, _ = closed(15)
    other, _ = filed(16)
    hold = holds.place_hold(case_id=case.pk, admin=admin, reason="r")
    response = signed_in(admin).post(f"/cases/{other.pk}/holds/{hold.pk}/lift", {"reason": "x"})
    assert response.status_code == 404
    assert LegalHold.objects.get().active


@pytest.mark.parametrize("role", [roles.REVIEWER, roles.ESCALATION_LEAD, roles.AUDITOR])
def test_only_admins_place_holds(role):
    case, _ = closed(17)
    response = signed_in(make_user("x", role)).post(
        f"/cases/{case.pk}/holds/place", {"reason": "r"}
    )
    assert response.status_code == 403
    assert not LegalHold.objects.exists()
    assert not AuditEvent.objects.filter(action="legal_hold.placed").exists()


# --- A purged file answers 410 ---------------------------------------------------------------


def test_a_purged_file_answers_410_everywhere_it_was_read():
    case, media = filed(18)
    reviewer = make_user("rev-18", roles.REVIEWER)
    client = signed_in(reviewer)
    assert client.post(f"/cases/{case.pk}/claim").status_code == 302
    assert client.get(f"/media/{media.pk}/preview").status_code == 200
    # Purge it as the purge would (the open case would never be purged; the reads are what
    # is under test here).
    from reports import api

    api.delete_purged_bytes(api.mark_media_purged([media.pk], now=timezone.now()))
    preview = client.get(f"/media/{media.pk}/preview")
    assert preview.status_code == 410 and b"purged" in preview.content
    reveal = client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    assert reveal.status_code == 410 and b"purged" in reveal.content
    region = client.post(f"/cases/{case.pk}/media/{media.pk}/reveal", {"region": "0,0,10,10"})
    assert region.status_code == 410
    metadata = client.post(f"/cases/{case.pk}/media/{media.pk}/metadata")
    assert metadata.status_code == 410 and "purged" in metadata.json()["error"]
    assert not AuditEvent.objects.filter(action="media.revealed").exists()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Purged" in page and f"/media/{media.pk}/preview" not in page
    assert f"/cases/{case.pk}/media/{media.pk}/reveal" not in page


def test_a_purged_file_is_left_out_of_a_hotline_report():
    from casework.escalation import facts

    case, media = filed(19)
    from reports import api

    api.mark_media_purged([media.pk], now=timezone.now())
    found = facts.case_facts(case, target="ncmec")
    assert [f.key for f in found.files] == []


def test_a_styled_preview_cached_before_the_purge_is_not_served(admin):
    from reports import api, styled_previews

    case, media = filed(20)
    style = api.PreviewStyle(blur="light", greyscale=False, edge=128)
    assert api.preview_for(media.pk, style)
    assert any(k[0] == media.pk for k in styled_previews._cache)
    api.delete_purged_bytes(api.mark_media_purged([media.pk], now=timezone.now()))
    assert not any(k[0] == media.pk for k in styled_previews._cache)
    with pytest.raises(api.MediaPurged):
        api.preview_for(media.pk, style)


# --- The case page and the report -----------------------------------------------------------


def test_the_case_page_shows_each_files_keeping(settings):
    settings.EVIDENCE_KEEP_CLOSED_DAYS = 90
    case, media = closed(21)
    page = signed_in(make_user("aud", roles.AUDITOR)).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="preservation"' in page
    assert "Kept, then purged" in page
    assert f"{case.closed_at + 90 * DAY:%Y-%m-%d}" in page
    assert "Place legal hold" not in page  # not for an auditor


def test_the_report_lists_holds_and_preserved_files(admin):
    case, media = closed(22)
    holds.place_hold(case_id=case.pk, admin=admin, reason="Court order 7")
    other, kept = filed(23)
    until = timezone.now() + 300 * DAY
    Media.objects.filter(pk=kept.pk).update(preserved_until=until, preserved_reason="In report 5")
    out = io.StringIO()
    call_command("preservation_report", stdout=out)
    table = out.getvalue()
    assert table.splitlines()[0].split() == ["kind", "case", "media", "until", "since", "by", "why"]
    assert "legal_hold" in table and "Court order 7" in table and "adm" in table
    assert "preserved" in table and "In report 5" in table and f"{until:%Y-%m-%d}" in table
    out = io.StringIO()
    call_command("preservation_report", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {(r["kind"], r["case"], r["media"]) for r in rows} == {
        ("legal_hold", case.pk, None),
        ("preserved", other.pk, kept.pk),
    }
    assert AuditEvent.objects.filter(action="preservation.reported").count() == 2


def test_the_report_says_when_nothing_is_held():
    out = io.StringIO()
    call_command("preservation_report", stdout=out)
    assert out.getvalue().strip() == "Nothing is held or preserved."


def test_the_purge_runs_on_the_beat_schedule(settings):
    from casework.celery import app
    from casework.preservation import tasks

    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "casework.preservation.tasks.purge_expired_evidence"
    ]
    assert entry["schedule"] <= 24 * 3600
    assert tasks.purge_expired_evidence.name in app.tasks
    case, media = closed(24)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - 91 * DAY)
    Media.objects.filter(pk=media.pk).update(created_at=timezone.now() - 91 * DAY)
    assert tasks.purge_expired_evidence() == 1
    assert purged(media)
