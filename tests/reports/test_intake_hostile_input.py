"""Input that once answered 500 (and so a platform's endless retries) or was stored wrongly:
each is a 4xx naming the field in the API's error shape, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from reports import synthetic
from reports.models import Media, Report
from tests.conftest import media_item, report_document

pytestmark = pytest.mark.django_db

HUGE = "1" * 5000  # past Python's limit for converting digits to int


def form_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The document as multipart form fields: objects as JSON text, booleans as words."""
    fields: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            fields[key] = json.dumps(value)
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = value
    return fields


def vault_files() -> set[Path]:
    return {p for p in Path(settings.EVIDENCE_DIR).rglob("*") if p.is_file()}


@pytest.fixture
def refused() -> Callable[..., None]:
    """Check a response: refused with status, naming exactly these fields, in the API's error
    shape, and nothing stored (no report, no media, no vault file)."""
    before = vault_files()

    def check(response, status: int, fields: set[str]) -> None:
        assert response.status_code == status, response.content
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert set(body) == {"errors"}
        assert {e["field"] for e in body["errors"]} == fields
        assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])
        assert b"Traceback" not in response.content
        assert Report.objects.count() == 0
        assert Media.objects.count() == 0
        assert vault_files() == before

    return check


def with_uploader(**fields: Any) -> dict[str, Any]:
    return report_document(uploader={"id": "u1", **fields})


def with_classifier(**fields: Any) -> dict[str, Any]:
    return report_document(classifier={"name": "clf", **fields})


NUL_IN_JSON = {
    "description": lambda: report_document(description="before\x00after"),
    "external_id": lambda: report_document(external_id="ext\x00"),
    "uploader.id": lambda: with_uploader(id="\x00"),
    "uploader.screen_name": lambda: with_uploader(screen_name="a\x00b"),
    "content.url": lambda: report_document(content={"url": "https://example.invalid/\x00"}),
    "reporter.id": lambda: report_document(reporter={"id": "r\x00"}),
    "victim.screen_name": lambda: report_document(victim={"screen_name": "v\x00"}),
    "classifier.labels[1]": lambda: with_classifier(labels=["fine", "bad\x00"]),
    "media[0].filename": lambda: report_document(
        media=[media_item(synthetic.image_bytes(1, "PNG"), "a\x00.png")]
    ),
}


@pytest.mark.parametrize("field", sorted(NUL_IN_JSON))
def test_nul_character_in_json_is_422_naming_the_field(intake, refused, field):
    refused(intake.post(NUL_IN_JSON[field]()), 422, {field})


def test_unpaired_surrogate_in_json_is_422_naming_the_field(intake, refused):
    body = json.dumps(report_document(description="DESCRIPTION")).replace("DESCRIPTION", r"\ud800")
    refused(intake.post_raw(body.encode(), "application/json"), 422, {"description"})


def test_nul_character_in_multipart_is_422_naming_the_field(intake, refused):
    fields = form_fields(with_uploader(id="u\x00"))
    fields["description"] = "before\x00after"
    refused(intake.post_multipart(fields), 422, {"description", "uploader.id"})


OUT_OF_RANGE_TIMES = [
    "2026-11-01T12:00:00+16:00",  # beyond what PostgreSQL stores
    "2026-11-01T12:00:00-23:59",
    "2026-11-01T12:00:00+14:01",  # beyond every time zone (and XML Schema's dateTime)
    "0001-01-01T00:30:00+01:00",  # stored as 1 BC in UTC: no reader could load it back
    "9999-12-31T23:30:00-01:00",  # year 10000 in UTC
]


@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_reported_at_out_of_range_is_422(intake, refused, moment):
    refused(intake.post(report_document(reported_at=moment)), 422, {"reported_at"})


@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES[:2])
def test_reported_at_out_of_range_in_multipart_is_422(intake, refused, moment):
    fields = form_fields(report_document(reported_at=moment))
    refused(intake.post_multipart(fields), 422, {"reported_at"})


def test_other_timestamps_out_of_range_are_422(intake, refused):
    document = report_document(content={"posted_at": "2026-11-01T12:00:00+16:00"})
    document["uploader"]["ip_events"][0]["at"] = "2026-11-01T12:00:00-15:00"
    refused(intake.post(document), 422, {"content.posted_at", "uploader.ip_events[0].at"})


def test_offsets_of_real_time_zones_are_taken(intake):
    response = intake.post(report_document(reported_at="2026-11-01T12:00:00+14:00"))
    assert response.status_code == 201, response.content
    document = report_document("ext-2", reported_at="2026-11-01T12:00:00-12:00")
    assert intake.post(document).status_code == 201
    assert intake.get(response.json()["id"]).status_code == 200


DEEP = "[" * 100_000 + "]" * 100_000


def test_json_nested_100000_deep_is_422(intake, refused):
    body = '{"description": ' + DEEP + "}"
    refused(intake.post_raw(body.encode(), "application/json"), 422, {"body"})


def test_json_text_nested_100000_deep_in_multipart_is_422(intake, refused):
    fields = form_fields(report_document())
    fields["uploader"] = DEEP
    refused(intake.post_multipart(fields), 422, {"uploader"})


def huge_number_body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).replace('"HUGE"', HUGE).encode()


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (with_classifier(score="HUGE"), "classifier.score"),
        (report_document(victim={"age": "HUGE"}), "victim.age"),
        (report_document(description="HUGE"), "description"),
    ],
    ids=["classifier.score", "victim.age", "description"],
)
def test_integer_of_5000_digits_is_422_naming_the_field(intake, refused, document, field):
    refused(intake.post_raw(huge_number_body(document), "application/json"), 422, {field})


def test_integer_of_5000_digits_in_multipart_is_422_naming_the_field(intake, refused):
    fields = form_fields(report_document())
    fields["classifier"] = '{"name": "clf", "score": ' + HUGE + "}"
    fields["victim"] = '{"age": -' + HUGE + "}"
    refused(intake.post_multipart(fields), 422, {"classifier.score", "victim.age"})


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_400(intake, refused, constant):
    body = json.dumps(with_classifier(score="X")).replace('"X"', constant).encode()
    refused(intake.post_raw(body, "application/json"), 400, {"body"})


WRONG_TYPES = {
    "classifier.score": lambda: with_classifier(score=False),
    "victim.age": lambda: report_document(victim={"age": True}),
    "uploader.ip_events[0].ip": lambda: with_uploader(ip_events=[{"ip": 3221225991}]),
}


@pytest.mark.parametrize("field", sorted(WRONG_TYPES))
def test_wrong_json_type_is_422_not_coerced(intake, refused, field):
    refused(intake.post(WRONG_TYPES[field]()), 422, {field})


def test_wrong_json_type_in_multipart_is_422_not_coerced(intake, refused):
    fields = form_fields(with_uploader(ip_events=[{"ip": 3221225991}]))
    fields["classifier"] = json.dumps({"name": "clf", "score": True})
    refused(intake.post_multipart(fields), 422, {"classifier.score", "uploader.ip_events[0].ip"})


def test_whole_numbers_are_still_scores(intake):
    response = intake.post(with_classifier(score=1))
    assert response.status_code == 201, response.content
    assert Report.objects.get().classifier["score"] == 1.0


def test_text_ip_addresses_are_still_taken(intake):
    response = intake.post(with_uploader(ip_events=[{"ip": "2001:db8::1"}, {"ip": "192.0.2.1"}]))
    assert response.status_code == 201, response.content
    ips = [e["ip"] for e in Report.objects.get().uploader["ip_events"]]
    assert ips == ["2001:db8::1", "192.0.2.1"]


def test_every_problem_is_named_at_once(intake, refused):
    document = with_classifier(score=False)
    document["description"] = "\x00"
    document["reported_at"] = "2026-11-01T12:00:00+16:00"
    document["uploader"] = {"ip_events": [{"ip": 1}]}
    response = intake.post(document)
    refused(
        response,
        422,
        {"classifier.score", "description", "reported_at", "uploader.ip_events[0].ip"},
    )


def test_multipart_stores_what_it_is_sent(intake):
    """The multipart helper above sends what the JSON endpoint takes."""
    response = intake.post_multipart(form_fields(report_document()))
    assert response.status_code == 201, response.content
    assert Report.objects.get().classifier == {"name": "clf", "score": 0.97, "labels": ["x"]}
