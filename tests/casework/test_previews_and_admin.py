"""Blurred previews reach only the right roles, uncached and audited; admin changes audited."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from casework import roles
from casework.models import AuditEvent
from reports import vault
from reports.models import Media
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def media() -> Media:
    return stored_image(31, "m1")[0]


def login(role: str) -> Client:
    return signed_in(make_user(f"u-{role}", role))


def test_reviewer_sees_blurred_preview_uncached_and_audited(media):
    response = login(roles.REVIEWER).get(f"/media/{media.pk}/preview")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    image = Image.open(io.BytesIO(response.content))
    assert image.mode == "L" and max(image.size) <= 256
    assert vault.load(media.vault_name) not in response.content
    event = AuditEvent.objects.get(action="media.preview_viewed")
    assert (event.actor, event.target) == ("user:u-reviewer", f"media:{media.pk}")


def test_auditor_and_anonymous_do_not_see_previews(media):
    assert login(roles.AUDITOR).get(f"/media/{media.pk}/preview").status_code == 403
    response = Client().get(f"/media/{media.pk}/preview")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="media.preview_viewed").exists()


def test_admin_report_page_shows_only_the_blurred_preview(media):
    client = login(roles.ADMIN)
    response = client.get(f"/admin/reports/report/{media.report_id}/change/")
    assert response.status_code == 200
    assert f"/media/{media.pk}/preview".encode() in response.content


def test_admin_changes_are_audited():
    client = login(roles.ADMIN)
    response = client.post("/admin/reports/platform/add/", {"name": "new-platform"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="config.added")
    assert event.actor == "user:u-admin"
    assert event.target.startswith("reports.platform:")
    assert event.data["object"] == "new-platform"


def test_non_admin_roles_cannot_use_the_admin():
    assert login(roles.REVIEWER).get("/admin/").status_code == 302


def test_admin_configures_queues_and_it_is_audited():
    client = login(roles.ADMIN)
    response = client.post(
        "/admin/casework/queue/add/",
        {
            "slug": "sextortion",
            "name": "Sextortion",
            "reasons": '["sextortion"]',
            "sources": "[]",
            "jurisdictions": "[]",
            "roles": '["reviewer"]',
            "deadline_hours": "12",
            "position": "5",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert AuditEvent.objects.filter(action="config.added", data__object="Sextortion").exists()


def test_an_admin_makes_an_intake_token_shown_once_and_it_works():
    from reports.models import IntakeToken
    from tests.conftest import IntakeClient, report_document

    client = login(roles.ADMIN)
    assert client.get("/admin/reports/intaketoken/add/").status_code == 200
    refused = client.post("/admin/reports/intaketoken/add/", {"platform": "  "})
    assert refused.status_code == 200
    assert b"This field is required" in refused.content
    assert not IntakeToken.objects.exists()

    made = client.post("/admin/reports/intaketoken/add/", {"platform": "photos-app"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    row = IntakeToken.objects.get(platform__name="photos-app")
    token = made.context["token"]
    assert token.startswith(row.prefix) and token.encode() in made.content
    assert token not in row.token_hash
    event = AuditEvent.objects.get(action="intake_token.created")
    assert (event.actor, event.data["prefix"]) == ("user:u-admin", row.prefix)
    assert token not in str(event.data)
    assert IntakeClient(token).post(report_document()).status_code == 201


def test_only_admins_make_intake_tokens():
    assert login(roles.AUDITOR).get("/admin/reports/intaketoken/add/").status_code in (302, 403)
