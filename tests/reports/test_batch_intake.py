"""POST /api/v1/reports/batch: many reports in one request, each taken or refused on its own."""

from __future__ import annotations

import json
import os
import threading

import pytest
from django.db import connection
from django.test import Client

from casework.models import AuditEvent
from reports import synthetic
from reports.models import Media, Report
from reports.sealed_fields import matching
from tests.conftest import IntakeClient, media_item, report_document

pytestmark = pytest.mark.django_db

BATCH_URL = "/api/v1/reports/batch"


def post_batch(token: str, body: bytes | list, content_type: str = "application/json"):
    if isinstance(body, list):
        body = json.dumps(body).encode()
    return Client().generic(
        "POST", BATCH_URL, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def ndjson(*documents: dict) -> bytes:
    return b"".join(json.dumps(d).encode() + b"\n" for d in documents)


def stored(external_id: str) -> int:
    return Report.objects.filter(matching(Report, "external_id_digest", external_id)).count()


def test_each_item_is_answered_by_index(token):
    bad = report_document("b-4", reason="not-a-reason")
    response = post_batch(
        token,
        [report_document("b-1"), report_document("b-2"), report_document("b-1"), 7, bad],
    )
    assert response.status_code == 207
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == [201, 201, 200, 422, 422]
    assert results[2]["report"] == results[0]["report"]  # the in-request repeat
    assert results[0]["report"]["status"] == "processed"
    assert results[3]["errors"] == [{"field": "[3]", "message": "must be a JSON object"}]
    assert [e["field"] for e in results[4]["errors"]] == ["[4].reason"]
    assert (body["created"], body["repeated"], body["refused"]) == (2, 1, 2)
    assert stored("b-1") == stored("b-2") == 1
    assert stored("b-4") == 0


def test_a_report_sent_before_is_a_repeat(token, intake):
    first = intake.post(report_document("b-seen")).json()["id"]
    results = post_batch(token, [report_document("b-seen"), report_document("b-new")]).json()
    assert [(r["status"], r["report"]["id"] == first) for r in results["results"]] == [
        (200, True),
        (201, False),
    ]
    assert stored("b-seen") == 1


def test_repeats_stay_per_platform(token, other_token):
    post_batch(token, [report_document("b-shared")])
    result = post_batch(other_token, [report_document("b-shared")]).json()["results"][0]
    assert result["status"] == 201
    assert stored("b-shared") == 2


def test_each_new_report_is_audited_once(token):
    results = post_batch(token, [report_document("b-a"), report_document("b-b")]).json()
    post_batch(token, [report_document("b-a")])  # a repeat logs nothing
    ids = [r["report"]["id"] for r in results["results"]]
    events = AuditEvent.objects.filter(action="report.received").order_by("id")
    assert sorted((e.actor, e.target) for e in events) == sorted(
        ("platform:test-platform", f"report:{i}") for i in ids
    )


def test_ndjson_lines_are_items_and_a_bad_line_is_its_own_error(token):
    body = ndjson(report_document("n-1")) + b"{not json\n\n" + ndjson(report_document("n-2"))
    response = post_batch(token, body, "application/x-ndjson")
    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 201]
    assert results[1]["errors"][0]["field"] == "[1]"
    assert "not valid JSON" in results[1]["errors"][0]["message"]
    assert stored("n-1") == stored("n-2") == 1


def test_a_report_with_media_is_stored_with_its_file(token):
    image = synthetic.image_bytes(11)
    truncated = synthetic.image_bytes(12)[:200]
    documents = [
        report_document("m-1", media=[media_item(image)]),
        report_document("m-2", media=[media_item(truncated)]),
        report_document("m-1", media=[media_item(image)]),
    ]
    results = post_batch(token, documents).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 200]
    assert results[0]["report"]["status"] == "received"
    assert results[1]["errors"][0]["field"] == "[1].media[0]"
    report = Report.objects.get(pk=results[0]["report"]["id"])
    assert Media.objects.filter(report=report).count() == 1
    assert stored("m-2") == 0


def test_over_the_item_limit_is_413_and_stores_nothing(token, settings):
    settings.INTAKE_BATCH_MAX_ITEMS = 3
    documents = [report_document(f"l-{i}") for i in range(4)]
    for body, content_type in [
        (json.dumps(documents).encode(), "application/json"),
        (ndjson(*documents), "application/x-ndjson"),
    ]:
        response = post_batch(token, body, content_type)
        assert response.status_code == 413
        assert response.json()["errors"][0]["field"] == "body"
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (b"{", "application/json", 400, "body"),
        (b'{"source": "user_report"}', "application/json", 422, "body"),
        (b"[]", "application/json", 422, "body"),
        (b"\n\n", "application/x-ndjson", 422, "body"),
        (b"source=x", "application/x-www-form-urlencoded", 415, "Content-Type"),
    ],
    ids=["malformed", "object", "empty", "blank-ndjson", "form"],
)
def test_a_request_that_holds_no_items_is_refused_whole(token, body, content_type, status, field):
    response = post_batch(token, body, content_type)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


def test_a_batch_needs_a_token():
    response = Client().post(BATCH_URL, [report_document()], content_type="application/json")
    assert response.status_code == 401


def test_a_repeat_is_found_under_the_older_key_while_keys_rotate(token, settings):
    first = post_batch(token, [report_document("r-1")]).json()["results"][0]["report"]["id"]
    settings.EVIDENCE_KEYS = {"k-next": os.urandom(32), **settings.EVIDENCE_KEYS}
    result = post_batch(token, [report_document("r-1")]).json()["results"][0]
    assert (result["status"], result["report"]["id"]) == (200, first)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_overlapping_batches_store_each_report_once(token):
    answers: list[tuple[int, int, list[dict]]] = []
    barrier = threading.Barrier(4)

    def send(offset: int) -> None:
        documents = [report_document(f"race-{(offset + i) % 60}") for i in range(40)]
        client = IntakeClient(token)
        barrier.wait()
        response = client.client.post(
            BATCH_URL, documents, content_type="application/json", **client.auth
        )
        answers.append((offset, response.status_code, response.json().get("results")))
        connection.close()

    threads = [threading.Thread(target=send, args=(offset,)) for offset in (0, 10, 20, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids: dict[int, set[int]] = {}
    created: list[int] = []
    assert sorted(status for _, status, _ in answers) == [207] * 4  # none deadlocked
    for offset, _, results in answers:
        for i, result in enumerate(results):
            ids.setdefault((offset + i) % 60, set()).add(result["report"]["id"])
            if result["status"] == 201:
                created.append((offset + i) % 60)
    assert Report.objects.count() == 60
    assert all(len(found) == 1 for found in ids.values()) and len(ids) == 60
    assert sorted(created) == list(range(60))  # each key created once, repeated elsewhere


def test_the_pixel_budget_holds_for_the_whole_batch(token, settings):
    image = synthetic.image_bytes(13)  # 640 x 480
    settings.INTAKE_MAX_REQUEST_PIXELS = 640 * 480 * 2
    documents = [report_document(f"px-{i}", media=[media_item(image)]) for i in range(3)]
    results = post_batch(token, documents).json()["results"]
    assert [r["status"] for r in results] == [201, 201, 413]
    assert results[2]["errors"][0]["field"] == "[2].media[0]"
    assert "over the limit" in results[2]["errors"][0]["message"]


def test_a_repeat_of_a_refused_item_names_its_own_index(token):
    bad = report_document("rep-bad", reason="not-a-reason")
    results = post_batch(token, [bad, report_document("ok-1"), bad]).json()["results"]
    assert [r["status"] for r in results] == [422, 201, 422]
    assert results[2]["errors"][0]["field"] == "[2].reason"


def test_ndjson_without_content_length_is_411(token):
    from django.test import RequestFactory

    from reports.intake_api import post_batch as view

    body = ndjson(report_document("chunked"))
    request = RequestFactory().generic("POST", BATCH_URL, body, content_type="application/x-ndjson")
    request.META.pop("CONTENT_LENGTH", None)
    request.auth = None
    response = view(request)
    assert response.status_code == 411


REFUSE_GROOMING = """
CREATE FUNCTION test_refuse_grooming() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reason = 'grooming' THEN RAISE EXCEPTION 'refused by the test'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_refuse_grooming BEFORE INSERT ON reports_report
    FOR EACH ROW EXECUTE FUNCTION test_refuse_grooming();
"""
ALLOW_GROOMING = """
DROP TRIGGER IF EXISTS test_refuse_grooming ON reports_report;
DROP FUNCTION IF EXISTS test_refuse_grooming();
"""


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_a_chunk_the_database_refuses_answers_503_and_the_rest_stands(token):
    from tests.helpers import as_owner

    documents = [
        report_document("db-1", reason="grooming"),
        report_document("db-2"),
        report_document("db-3", media=[media_item(synthetic.image_bytes(14))]),
    ]
    as_owner(REFUSE_GROOMING)
    try:
        response = post_batch(token, documents)
    finally:
        as_owner(ALLOW_GROOMING)
    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["status"] for r in results] == [503, 503, 201]  # one chunk, one transaction
    assert results[0]["retry_after"] > 0 and results[1]["errors"][0]["field"] == "[1]"
    assert stored("db-1") == stored("db-2") == 0 and stored("db-3") == 1
    again = post_batch(token, documents).json()["results"]
    assert [r["status"] for r in again] == [201, 201, 200]


def test_every_item_of_many_chunks_is_answered_with_its_own_report(token, intake, monkeypatch):
    from reports import batch_intake
    from reports.models import UnfiledReport

    monkeypatch.setattr(batch_intake, "CHUNK", 4)  # in one test transaction: chunks share it
    intake.post(report_document("m-seen"))
    names = ["m-9", "m-2", "m-seen", "m-7", "m-1", "m-2", "m-5", "m-8", "m-3", "m-seen"]
    results = post_batch(token, [report_document(n) for n in names]).json()["results"]
    assert [r["status"] for r in results] == [201, 201, 200, 201, 201, 200, 201, 201, 201, 200]
    ids = [r["report"]["id"] for r in results]
    by_id = {r.pk: r.external_id for r in Report.objects.filter(pk__in=ids)}
    assert [by_id[i] for i in ids] == names
    new = {i for i, r in zip(ids, results, strict=True) if r["status"] == 201}
    assert set(UnfiledReport.objects.filter(ready=True).values_list("report", flat=True)) >= new
    events = AuditEvent.objects.filter(
        action="report.received", target__in=[f"report:{i}" for i in new]
    )
    assert events.count() == len(new) == 7
