"""POST /api/v1/reports and GET /api/v1/reports/<id>: the contract platforms integrate with."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from reports import synthetic
from reports.models import Media, Report
from reports.sealed_fields import matching
from tests.conftest import IntakeClient, media_item, report_document

pytestmark = pytest.mark.django_db


def test_json_report_is_stored_with_raw_payload(intake):
    document = report_document()
    response = intake.post(document)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "processed"  # nothing to process: no media
    report = Report.objects.get(pk=body["id"])
    assert report.external_id == "ext-1"
    assert report.uploader["ip_events"][0]["ip"] == "192.0.2.7"
    assert report.classifier["score"] == 0.97
    assert report.raw_payload == document
    assert report.platform.name == "test-platform"


def test_repeat_returns_first_report(intake):
    first = intake.post(report_document())
    again = intake.post(report_document(description="changed"))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1


def test_same_external_id_from_another_platform_is_another_report(intake, other_token):
    a = intake.post(report_document())
    b = IntakeClient(other_token).post(report_document())
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_unknown_fields_are_refused_by_name(intake):
    document = report_document(severity="high")
    document["uploader"]["screen_nmae"] = "typo"
    response = intake.post(document)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {"severity": "unknown field", "uploader.screen_nmae": "unknown field"}
    assert Report.objects.count() == 0


def test_every_bad_field_is_named(intake):
    document = report_document(source="email", reported_at="yesterday", jurisdiction="usa")
    document["uploader"]["ip_events"][0]["ip"] = "999.1.1.1"
    document["classifier"]["score"] = 1.5
    del document["reason"]
    response = intake.post(document)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "source",
        "reported_at",
        "jurisdiction",
        "uploader.ip_events[0].ip",
        "classifier.score",
        "reason",
    }


def test_naive_timestamp_is_refused(intake):
    response = intake.post(report_document(reported_at="2026-11-01T12:00:00"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reported_at"


def test_malformed_json_is_400(intake):
    response = intake.post_raw(b'{"source": ', "application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_json_array_body_is_422(intake):
    response = intake.post([1, 2])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "must be a JSON object"}]


def test_other_content_types_are_415(intake):
    response = intake.post_raw(b"source=api", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "Content-Type"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_missing_or_wrong_token_is_401(header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().post(
        "/api/v1/reports", report_document(), content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"
    assert Report.objects.count() == 0


def test_revoked_token_is_401(intake, token):
    from reports.models import IntakeToken
    from reports.tokens import revoke_token

    assert intake.post(report_document()).status_code == 201  # known, and cached
    revoke_token(IntakeToken.objects.get())
    assert intake.post(report_document("ext-2")).status_code == 401


def test_declared_body_over_limit_is_413_before_reading(intake, settings):
    settings.INTAKE_MAX_REQUEST_BYTES = 1000
    response = intake.post_raw(b"{}", "application/json", CONTENT_LENGTH="5000")
    assert response.status_code == 413
    assert "over the limit of 1000" in response.json()["errors"][0]["message"]


def test_too_many_media_is_413(intake, settings):
    settings.INTAKE_MAX_MEDIA_COUNT = 2
    document = report_document(media=[media_item(b"x")] * 3)
    response = intake.post(document)
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "media"


def test_json_media_is_stored_encrypted(intake):
    data = synthetic.image_bytes(1, "PNG")
    response = intake.post(report_document(media=[media_item(data, "pic.png")]))
    assert response.status_code == 201
    media = Media.objects.get()
    assert (media.content_type, media.width, media.height, media.size) == (
        "image/png",
        640,
        480,
        len(data),
    )
    assert media.status == "pending"
    report = media.report
    assert report.status == "received"
    assert report.raw_payload["media"] == [{"filename": "pic.png", "position": 0}]


def test_multipart_report_with_files(intake):
    document = report_document()
    fields = {
        key: json.dumps(value) if isinstance(value, dict) else value
        for key, value in document.items()
    }
    fields["child_in_imminent_danger"] = "true"
    from django.core.files.uploadedfile import SimpleUploadedFile

    fields["media"] = [
        SimpleUploadedFile("a.jpg", synthetic.image_bytes(2), "image/jpeg"),
        SimpleUploadedFile("b.webp", synthetic.image_bytes(3, "WEBP"), "application/octet-stream"),
    ]
    response = intake.post_multipart(fields)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.child_in_imminent_danger is True
    assert report.uploader["id"] == "u1"
    assert [m.content_type for m in report.media.order_by("position")] == [
        "image/jpeg",
        "image/webp",
    ]


def test_multipart_bad_object_field_is_named(intake):
    fields = {**report_document(), "uploader": "{not json"}
    fields = {k: v for k, v in fields.items() if not isinstance(v, dict)}
    fields["uploader"] = "{not json"
    response = intake.post_multipart(fields)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "uploader", "message": "must be a JSON object"}]


def test_get_shows_media_and_hides_other_platforms(intake, other_token):
    data = synthetic.image_bytes(4)
    report_id = intake.post(report_document(media=[media_item(data)])).json()["id"]
    body = intake.get(report_id).json()
    assert body["status"] == "received"
    assert body["media"][0]["content_type"] == "image/jpeg"
    assert body["media"][0]["preview_ready"] is False
    assert body["media"][0]["sha256"] is None  # hashed by the worker, not in the request
    assert IntakeClient(other_token).get(report_id).status_code == 404


def test_openapi_schema_is_served():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/reports"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    assert body["additionalProperties"] is False
    assert {"source", "external_id", "reported_at", "reason"} <= set(body["required"])
    assert "/api/v1/reports/{report_id}" in schema["paths"]


def test_intake_is_audited(intake):
    from casework.models import AuditEvent

    report_id = intake.post(report_document()).json()["id"]
    intake.post(report_document())  # a repeat stores nothing and logs nothing
    events = AuditEvent.objects.filter(action="report.received")
    assert [(e.actor, e.target) for e in events] == [
        ("platform:test-platform", f"report:{report_id}")
    ]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_store_one_report(token):
    results: list[tuple[int, int]] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = IntakeClient(token)
        barrier.wait()
        response = client.post(report_document("race-1"))
        results.append((response.status_code, response.json()["id"]))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert len({report_id for _, report_id in results}) == 1
    assert Report.objects.filter(matching(Report, "external_id_digest", "race-1")).count() == 1
