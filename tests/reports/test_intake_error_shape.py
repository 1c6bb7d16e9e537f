"""Every error the intake API answers has one shape, {"errors": [{"field", "message"}]}, and no
answer carries a traceback, DEBUG or not."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import IntakeClient, report_document

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("report_id", ["abc", "0", "-3", "9" * 30, "1" * 5000])
def test_unreadable_report_id_is_422_naming_it(intake, report_id):
    response = intake.client.get(f"/api/v1/reports/{report_id}", **intake.auth)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["report_id"]
    assert errors[0]["message"]


def test_get_without_token_is_401_in_the_errors_shape():
    response = Client().get("/api/v1/reports/1")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {"field": "Authorization", "message": "missing, unknown or revoked bearer token"}
        ]
    }


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
def test_unexpected_failure_is_a_json_500_without_detail_and_is_logged(
    intake, token, settings, caplog, debug
):
    """The last line behind every refusal: the database failing under a request."""
    report_id = intake.post(report_document()).json()["id"]
    settings.DEBUG = debug
    with connection.cursor() as cursor:  # undone with the test's transaction
        # The tables vanish from this session's sight (the application's role may not
        # rename or drop them).
        cursor.execute("SET LOCAL search_path = nowhere")
    client = IntakeClient(token)
    client.client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="reports.intake_api"):
        response = client.get(report_id)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": [
            {
                "field": "request",
                "message": "Casework could not answer this request; the error is logged",
            }
        ]
    }
    for secret in (b"Traceback", b"does not exist", b"ProgrammingError", b"File "):
        assert secret not in response.content
    [record] = [r for r in caplog.records if r.name == "reports.intake_api"]
    assert record.exc_info is not None
    assert "does not exist" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("method", "path", "status", "field"),
    [
        ("get", "/api/v1/reports", 405, "method"),
        ("delete", "/api/v1/reports", 405, "method"),
        ("put", "/api/v1/reports/1", 405, "method"),
        ("get", "/api/v1/no-such-thing", 404, "path"),
        ("get", "/api/v2/reports", 404, "path"),
    ],
)
def test_a_wrong_method_or_path_answers_in_the_errors_shape(token, method, path, status, field):
    client = IntakeClient(token)
    response = getattr(client.client, method)(path, **client.auth)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["field"] == field
    if status == 405:
        assert method.upper() in error["message"]
        assert "POST" in response["Allow"] or "GET" in response["Allow"]
