"""No page a signed-in person sees and no API answer is kept by a browser or a proxy cache."""

from __future__ import annotations

import pytest
from django.test import Client

from casework import roles
from casework.cases import filing
from tests.conftest import report_document
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.fixture
def case_id() -> int:
    media, _ = stored_image(51, "ext-51")
    return filing.file_report(media.report_id).pk


def test_every_signed_in_page_is_no_store(case_id):
    lead = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    auditor = signed_in(make_user("aud", roles.AUDITOR))
    admin = signed_in(make_user("boss", roles.ADMIN))
    pages = [
        (lead, "/queues/"),
        (lead, "/cases/?q=ext-51"),
        (lead, f"/cases/{case_id}/"),
        (lead, "/escalations/"),
        (lead, "/accounts/otp/"),  # already verified: a redirect, still not cached
        (lead, "/audit/"),  # refused (403) for a lead: the refusal is not cached either
        (auditor, "/audit/"),
        (auditor, "/queues/"),
        (admin, "/admin/"),
        (admin, "/admin/casework/auditevent/"),
    ]
    missing = {
        f"{path} ({response.status_code})": response.get("Cache-Control")
        for client, path in pages
        if "no-store" not in directives(response := client.get(path))
    }
    assert not missing, f"pages without Cache-Control: no-store: {missing}"


def test_every_api_answer_is_no_store(intake, other_token):
    created = intake.post(report_document())
    report_id = created.json()["id"]
    answers = {
        "POST 201": created,
        "POST again 200": intake.post(report_document()),
        "POST 422": intake.post({"source": "nonsense"}),
        "GET 200": intake.get(report_id),
        "GET 404": intake.get(report_id + 1000),
        "GET 401": Client().get(f"/api/v1/reports/{report_id}"),
        "schema": Client().get("/api/v1/openapi.json"),
        "POST 413 (refused before the body is read)": intake.post_raw(
            b"{}", "application/json", CONTENT_LENGTH=str(10**12)
        ),
    }
    missing = {
        name: response.get("Cache-Control")
        for name, response in answers.items()
        if "no-store" not in directives(response)
    }
    assert not missing, f"API answers without Cache-Control: no-store: {missing}"
