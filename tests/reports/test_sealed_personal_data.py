"""Personal data at rest: a database dump alone names no one, and every reader still works."""

from __future__ import annotations

import base64
import io
import secrets

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import roles
from casework.cases import filing
from casework.escalation.models import Escalation, EscalationDocument
from casework.models import AuditEvent
from reports import api, sealing
from reports.models import Media, Report
from reports.sealed_columns import Digest, seal_columns, unseal_columns
from reports.sealed_fields import matching
from tests.conftest import media_item, report_document
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

PERSONAL = [
    "ext-sealed-1",
    "acct-sealed-1",
    "Sealed.Person@example.invalid",
    "sealed person",
    "198.51.100.23",
    "https://example.invalid/p/sealed",
    "a private description",
    "holiday-photo-of-sealed.jpg",
    "victim-sealed",
]


def personal_document(**overrides):
    return report_document(
        "ext-sealed-1",
        description="a private description",
        content={"id": "post-9", "url": "https://example.invalid/p/sealed"},
        uploader={
            "id": "acct-sealed-1",
            "screen_name": "sealed person",
            "email": "Sealed.Person@example.invalid",
            "ip_events": [{"ip": "198.51.100.23", "type": "upload"}],
        },
        victim={"id": "victim-sealed", "age": 15},
        **overrides,
    )


def table_text(table: str) -> str:
    """Every row of the table as PostgreSQL prints it, bytea decoded as text where it can be
    (what a dump, or an attacker reading the table, sees)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608
        rows = "\n".join(r[0] for r in cursor.fetchall())
    return rows + bytes.fromhex(rows.replace("\\x", "").encode().hex()).decode(errors="ignore")


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_a_stored_report_shows_no_personal_data_in_its_rows(intake):
    image = api.synthetic_image(5)
    response = intake.post(
        personal_document(media=[media_item(image, "holiday-photo-of-sealed.jpg")])
    )
    assert response.status_code == 201, response.content
    dump = table_text("reports_report") + table_text("reports_media")
    dump += table_text("casework_auditevent")
    for value in PERSONAL:
        assert value not in dump, value
        assert value.casefold() not in dump.casefold(), value
    report = Report.objects.get(pk=response.json()["id"])
    assert report.uploader["email"] == "Sealed.Person@example.invalid"
    assert report.description == "a private description"
    assert report.victim["id"] == "victim-sealed"
    assert report.media.get().filename == "holiday-photo-of-sealed.jpg"


def test_the_api_answers_with_the_plain_values(intake):
    created = intake.post(personal_document()).json()
    shown = intake.get(created["id"]).json()
    assert shown["external_id"] == "ext-sealed-1"


def test_reports_are_found_by_external_id_uploader_id_and_email(intake):
    report_id = intake.post(personal_document()).json()["id"]
    intake.post(report_document("ext-other", uploader={"id": "someone-else"}))
    for query in ("ext-sealed-1", "acct-sealed-1", "sealed.person@EXAMPLE.invalid "):
        assert api.report_ids_matching(query.strip()) == [report_id], query
    assert api.report_ids_matching("acct-sealed") == []  # exact, not a substring
    assert api.recent_report_ids_of_uploaders(["acct-sealed-1", "nobody"]) == [report_id]


def test_a_sealed_field_refuses_a_lookup_that_would_match_nothing():
    with pytest.raises(FieldError):
        list(Report.objects.filter(external_id="ext-1"))
    with pytest.raises(FieldError):
        list(Report.objects.filter(uploader__id="u1"))


def test_a_sealed_value_copied_into_another_column_does_not_open(intake):
    report_id = intake.post(personal_document()).json()["id"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET description = uploader WHERE id = %s", [report_id]
        )
    with pytest.raises(sealing.SealError, match="reports_report.description"):
        Report.objects.get(pk=report_id)


def test_documents_sent_to_a_hotline_are_sealed():
    case = filing.file_report(
        Report.objects.create(
            platform=api_platform(),
            source="api",
            external_id="doc-1",
            reported_at="2026-11-01T00:00:00Z",
            reason="csam",
            raw_payload={},
            status="processed",
        ).pk
    )
    escalation = Escalation.objects.create(case=case, target="ncmec", why="test")
    body = "<report><email>Sealed.Person@example.invalid</email></report>"
    EscalationDocument.objects.create(
        escalation=escalation, direction="sent", name="report.xml", content_type="x", body=body
    )
    assert "Sealed.Person" not in table_text("casework_escalationdocument")
    assert EscalationDocument.objects.get().body == body


def api_platform():
    from reports.models import Platform

    return Platform.objects.get_or_create(name="p")[0]


def test_a_rotated_key_keeps_repeats_and_searches_working_until_resealed(intake, settings):
    first = intake.post(personal_document()).json()["id"]
    old_key_id = next(iter(settings.EVIDENCE_KEYS))
    settings.EVIDENCE_KEYS = {"rotated": base64.b64decode(new_key()), **settings.EVIDENCE_KEYS}

    again = intake.post(personal_document())
    assert (again.status_code, again.json()["id"]) == (200, first)  # still idempotent
    assert api.report_ids_matching("sealed.person@example.invalid") == [first]
    second = intake.post(report_document("ext-after", uploader={"id": "acct-sealed-1"}))
    assert sorted(api.recent_report_ids_of_uploaders(["acct-sealed-1"])) == sorted(
        [first, second.json()["id"]]
    )

    call_command("reseal_personal_data", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT external_id, uploader FROM reports_report")
        heads = {sealing.key_id_of(bytes(col)) for row in cursor.fetchall() for col in row}
    assert heads == {"rotated"}
    event = AuditEvent.objects.get(action="personal_data.resealed")
    assert event.data["rows"]["reports.Report"] == 1  # the one sealed before the rotation

    del settings.EVIDENCE_KEYS[old_key_id]  # the old key can go: nothing stored needs it
    assert Report.objects.get(pk=first).uploader["id"] == "acct-sealed-1"
    assert api.report_ids_matching("ext-sealed-1") == [first]
    assert intake.post(personal_document()).status_code == 200


def test_the_search_a_person_makes_is_audited_sealed_and_shown_to_auditors(intake):
    intake.post(personal_document())
    auditor = signed_in(make_user("aud", roles.AUDITOR))
    assert auditor.get("/cases/", {"q": "Sealed.Person@example.invalid"}).status_code == 200
    event = AuditEvent.objects.get(action="case.searched")
    assert "q" not in event.data and "Sealed.Person" not in str(event.data)
    page = auditor.get("/audit/", {"action": "case.searched"}).content.decode()
    assert "Sealed.Person@example.invalid" in page


def test_the_migration_seals_existing_rows_and_can_undo_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE legacy (id serial PRIMARY KEY, note text, who jsonb)"
        )
        cursor.execute(
            "INSERT INTO legacy (note, who) SELECT 'note ' || n, "
            "jsonb_build_object('email', 'P' || n || '@example.invalid') "
            "FROM generate_series(1, 2500) n"
        )
        cursor.execute("ALTER TABLE legacy ADD COLUMN who_digest varchar(64) DEFAULT ''")
    columns = {"note": "text", "who": "json"}
    with connection.schema_editor() as editor:
        seal_columns(editor, "legacy", columns, (Digest("who_digest", "who", "email", True),))
    assert "note 7" not in table_text("legacy") and "P7@" not in table_text("legacy")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note, who, who_digest FROM legacy WHERE id = 7")
        note, who, digest = cursor.fetchone()
    assert sealing.unseal(bytes(note), "legacy.note") == b"note 7"
    assert sealing.unseal(bytes(who), "legacy.who") == b'{"email":"P7@example.invalid"}'
    assert digest in sealing.candidate_digests("legacy.who.email", "p7@example.invalid")

    with connection.schema_editor() as editor:
        unseal_columns(editor, "legacy", columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note, who->>'email', count(*) OVER () FROM legacy WHERE id = 2500")
        assert cursor.fetchone() == ("note 2500", "P2500@example.invalid", 1)


def test_media_filenames_stay_readable_for_the_hotline_facts(intake):
    image = api.synthetic_image(6)
    report_id = intake.post(
        personal_document(media=[media_item(image, "holiday-photo-of-sealed.jpg")])
    ).json()["id"]
    assert Media.objects.filter(report_id=report_id).values_list("filename", flat=True)[0] == (
        "holiday-photo-of-sealed.jpg"
    )
    assert Report.objects.filter(matching(Report, "external_id_digest", "ext-sealed-1")).exists()


def test_an_uploaders_recent_reports_are_read_from_the_partial_index(intake):
    intake.post(personal_document())
    with CaptureQueriesContext(connection) as captured:
        api.recent_report_ids_of_uploaders(["acct-sealed-1"])
    (sql,) = [q["sql"] for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The index leaves out reports without an uploader; a query that does not say so
    # cannot use it, and scans every report (150 ms at 74,000).
    assert "report_uploader_id_idx" in plan, plan
