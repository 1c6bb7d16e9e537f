"""The served OpenAPI document is one a client generator can use: every reference resolves,
every error is documented in the one shape the API answers, and the API keeps to it under
schemathesis' generated requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings

from reports import synthetic
from tests.conftest import IntakeClient, media_item, report_document

pytestmark = pytest.mark.django_db

OPENAPI_URL = "/api/v1/openapi.json"
ERRORS_REF = "#/components/schemas/ErrorsOut"
EXAMPLES_PER_OPERATION = 50


def served_document() -> dict[str, Any]:
    response = Client().get(OPENAPI_URL)
    assert response.status_code == 200
    return response.json()


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    """Follow a same-document JSON pointer; KeyError or IndexError if it leads nowhere."""
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_every_reference_resolves():
    document = served_document()
    refs = set(references(document))
    assert len(refs) > 10  # the request body's models are referenced, not inlined
    unresolved = []
    for ref in sorted(refs):
        try:
            resolve(document, ref)
        except (KeyError, IndexError, ValueError):
            unresolved.append(ref)
    assert unresolved == []


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_response_is_documented_in_the_errors_shape():
    document = served_document()
    errors = resolve(document, ERRORS_REF)
    assert errors["required"] == ["errors"]
    documented = {}
    for label, operation in operations(document):
        statuses = {int(s) for s in operation["responses"]}
        documented[label] = {s for s in statuses if s >= 400}
        for status in documented[label]:
            content = operation["responses"][str(status)]["content"]
            assert content == {"application/json": {"schema": {"$ref": ERRORS_REF}}}, (
                label,
                status,
            )
    assert documented == {
        "POST /api/v1/reports": {400, 401, 409, 413, 415, 422, 429, 500},
        "POST /api/v1/reports/batch": {400, 401, 411, 413, 415, 422, 500},
        "GET /api/v1/reports/{report_id}": {401, 404, 422, 500},
    }


def test_request_body_documents_both_encodings():
    document = served_document()
    content = document["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    body = resolve(document, content["application/json"]["schema"]["$ref"])
    form = resolve(document, content["multipart/form-data"]["schema"]["$ref"])
    assert body["additionalProperties"] is False
    assert form["additionalProperties"] is False
    assert set(form["properties"]) == set(body["properties"])
    assert form["required"] == body["required"]
    assert form["properties"]["media"]["items"] == {"type": "string", "format": "binary"}
    uploader = form["properties"]["uploader"]
    assert (uploader["type"], uploader["contentMediaType"]) == ("string", "application/json")
    assert resolve(document, uploader["contentSchema"]["$ref"])["title"] == "UploaderIn"


# --- schemathesis over the served document, in process ------------------------------------


class CountingDjango:
    """Django's WSGI application, tallying each answer's status and each request's content
    type. Like Django's test client, it keeps the test's database connection (and so its
    transaction) across requests, for as long as it is in use."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.statuses: Counter[int] = Counter()
        self.content_types: Counter[str] = Counter()

    def __call__(self, environ, start_response):
        self.content_types[environ.get("CONTENT_TYPE", "").split(";")[0]] += 1

        def counting_start_response(status: str, headers, exc_info=None):
            self.statuses[int(status.split()[0])] += 1
            return start_response(status, headers, exc_info)

        return self.handler(environ, counting_start_response)

    def clear(self) -> None:
        self.statuses.clear()
        self.content_types.clear()

    def __enter__(self) -> CountingDjango:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        return self

    def __exit__(self, *exc: object) -> None:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# (method, path, examples): POST's bodies are drawn in both encodings, so twice as many.
SCHEMATHESIS_RUNS = [
    ("POST", "/api/v1/reports", 2 * EXAMPLES_PER_OPERATION),
    ("POST", "/api/v1/reports/batch", 2 * EXAMPLES_PER_OPERATION),
    ("GET", "/api/v1/reports/{report_id}", EXAMPLES_PER_OPERATION),
]
# The encodings each POST's bodies are drawn in.
ENCODINGS = {
    "/api/v1/reports": ("application/json", "multipart/form-data"),
    "/api/v1/reports/batch": ("application/json", "application/x-ndjson"),
}


@schemathesis.serializer("application/x-ndjson")
def ndjson_body(context: Any, value: Any) -> bytes:
    """The batch endpoint's NDJSON body: the schema gives it as a string, sent as it is."""
    return value if isinstance(value, bytes) else str(value).encode()


def hypothesis_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        database=None,  # no example database: each run stands alone
        derandomize=True,  # the same requests every run: a failure here is never a fluke
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture
def app() -> Iterator[CountingDjango]:
    with CountingDjango() as counting:
        yield counting


@pytest.mark.parametrize(
    ("method", "path", "examples"),
    SCHEMATHESIS_RUNS,
    ids=[f"{m} {p}" for m, p, _ in SCHEMATHESIS_RUNS],
)
@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
def test_schemathesis_finds_no_5xx_and_every_answer_documented(
    app, token, method, path, examples, mode
):
    """Positive: documents valid by the schema; negative: each violating it somewhere."""
    schema = schemathesis.openapi.from_wsgi(OPENAPI_URL, app)
    app.clear()  # count the generated requests, not the document's download
    auth = {"Authorization": f"Bearer {token}"}

    @hypothesis_settings(examples)
    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    def run(case) -> None:
        case.call_and_validate(headers=auth, checks=CHECKS)

    run()
    requests = sum(app.statuses.values())
    print(
        f"\n{method} {path} {mode}: {requests} requests, statuses {dict(app.statuses)}, "
        f"content types {dict(app.content_types)}"
    )
    assert requests >= examples // 2
    assert not [status for status in app.statuses if status >= 500]
    for encoding in ENCODINGS.get(path, ()):
        assert app.content_types[encoding] > examples // 10


@pytest.fixture
def stored_report_id(token) -> int:
    """A report with a file, sent before `app` takes over the database connection."""
    document = report_document(media=[media_item(synthetic.image_bytes(5))])
    return IntakeClient(token).post(document).json()["id"]


def test_a_stored_report_reads_as_documented(stored_report_id, app, token):
    schema = schemathesis.openapi.from_wsgi(OPENAPI_URL, app)
    operation = schema["/api/v1/reports/{report_id}"]["GET"]
    case = operation.Case(path_parameters={"report_id": stored_report_id})
    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    assert response.status_code == 200
    assert response.json()["media"][0]["content_type"] == "image/jpeg"
