"""Enlarging a revealed original in the case page's viewer is recorded, and only after a
reveal by the same reviewer: the viewer never asks for the original itself."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_case():
    media, _ = stored_image(43, "ext-43")
    case = filing.file_report(media.report_id)
    reviewer = make_user("rev", roles.REVIEWER)
    client = signed_in(reviewer)
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{case.pk}/"
    return case, media, client


def test_enlarging_after_a_reveal_is_recorded_without_original_bytes(held_case):
    case, media, client = held_case
    assert client.post(f"/cases/{case.pk}/media/{media.pk}/reveal").status_code == 200
    response = client.post(f"/cases/{case.pk}/media/{media.pk}/enlarged")
    assert response.status_code == 204
    assert response.content == b""
    event = AuditEvent.objects.get(action="media.enlarged")
    assert (event.actor, event.target, event.data) == (
        "user:rev",
        f"media:{media.pk}",
        {"case": case.pk},
    )


def test_enlarging_without_a_reveal_is_refused_and_not_recorded(held_case):
    case, media, client = held_case
    response = client.post(f"/cases/{case.pk}/media/{media.pk}/enlarged")
    assert response.status_code == 403
    assert "Reveal the original" in response.json()["error"]
    assert not AuditEvent.objects.filter(action="media.enlarged").exists()


def test_enlarging_is_a_post(held_case):
    case, media, client = held_case
    assert client.get(f"/cases/{case.pk}/media/{media.pk}/enlarged").status_code == 405


def test_a_reviewer_not_holding_the_case_cannot_enlarge(held_case):
    case, media, client = held_case
    client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    other = signed_in(make_user("other", roles.REVIEWER))
    response = other.post(f"/cases/{case.pk}/media/{media.pk}/enlarged")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="media.enlarged").exists()
