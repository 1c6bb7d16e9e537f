"""The served application sends /api/ through the API's short middleware chain and the rest
through the site's; both keep the headers every answer needs."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import RequestFactory

from casework.handlers import API_MIDDLEWARE, ApiHandler, application_for
from reports.models import Report
from tests.conftest import report_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def served():
    """Requests answered by the application gunicorn serves, not Django's test client (which
    builds its own handler). As the test client does, the connection is not closed at the
    start of a request: it holds the test's transaction."""
    app = application_for(WSGIHandler(), ApiHandler())
    signals.request_started.disconnect(close_old_connections)
    factory = RequestFactory()

    def request(method: str, path: str, body: bytes = b"", **extra):
        environ = factory.generic(method, path, body, **extra).environ
        answer: dict = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer["status"] = int(status.split()[0])
            answer["headers"] = {}
            for name, value in headers:
                answer["headers"].setdefault(name.lower(), []).append(value)

        answer["body"] = b"".join(app(environ, start_response))
        return answer

    yield request
    signals.request_started.connect(close_old_connections)


def post_report(served, token: str, document: dict, **extra):
    body = json.dumps(document).encode()
    return served(
        "POST",
        "/api/v1/reports",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_a_report_through_the_api_chain_is_stored_and_answered_with_every_header(served, token):
    answer = post_report(served, token, report_document("served-1"))
    assert answer["status"] == 201, answer["body"]
    report = Report.objects.get()
    assert json.loads(answer["body"]) == {"id": report.pk, "status": report.status}
    headers = answer["headers"]
    assert "no-store" in headers["cache-control"][0]
    assert "default-src" in headers["content-security-policy"][0]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert "set-cookie" not in headers  # no session is made for a platform
    # Its length is given, so the client may send the next report on the same connection.
    assert headers["content-length"] == [str(len(answer["body"]))]

    repeat = post_report(served, token, report_document("served-1"))
    assert repeat["status"] == 200
    assert json.loads(repeat["body"])["id"] == report.pk


def test_the_api_chain_still_refuses_an_oversized_body_and_answers_unknown_paths_in_json(
    served, token
):
    too_big = settings.INTAKE_MAX_REQUEST_BYTES + 1
    answer = post_report(served, token, report_document(), CONTENT_LENGTH=str(too_big))
    assert answer["status"] == 413
    assert json.loads(answer["body"])["errors"][0]["field"] == "body"
    missing = served("GET", "/api/v1/nothing-here")
    assert missing["status"] == 404
    assert missing["headers"]["content-length"] == [str(len(missing["body"]))]
    assert json.loads(missing["body"])["errors"][0]["field"] == "path"
    assert "no-store" in missing["headers"]["cache-control"][0]
    unknown = post_report(served, "not-a-token", report_document())
    assert unknown["status"] == 401


def test_pages_still_go_through_the_sites_chain(served):
    answer = served("GET", "/queues/")
    assert answer["status"] == 302  # sign-in is still asked for
    assert answer["headers"]["location"][0].startswith(settings.LOGIN_URL)


def test_the_api_chain_is_the_sites_own_middleware_in_the_sites_order():
    assert set(API_MIDDLEWARE) <= set(settings.MIDDLEWARE)
    handler = ApiHandler()
    handler.load_middleware()
    assert settings.MIDDLEWARE[0] == "casework.metrics.RequestMetricsMiddleware"
    assert "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    assert len(settings.MIDDLEWARE) > len(API_MIDDLEWARE)  # restored after loading
