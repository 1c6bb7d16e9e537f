"""The audit log: one hash chain, append-only in the database, verified by a command."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from casework import audit
from casework.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_events(n: int) -> list[AuditEvent]:
    return [
        audit.record("test.event", actor="system:test", target=f"thing:{i}", data={"i": i})
        for i in range(n)
    ]


def test_events_chain_to_each_other():
    events = make_events(3)
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit.verify_chain().ok


def test_database_refuses_update_and_delete():
    event = make_events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def tamper(sql: str, params: list) -> None:
    """Change a row the only way possible: with the trigger switched off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE casework_auditevent DISABLE TRIGGER casework_audit_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE casework_auditevent ENABLE TRIGGER casework_audit_append_only")


def test_verify_audit_passes_on_intact_chain(capsys):
    make_events(4)
    call_command("verify_audit")
    assert "4 events verified" in capsys.readouterr().out


def test_verify_audit_names_edited_event():
    events = make_events(5)
    tamper("UPDATE casework_auditevent SET data = %s WHERE id = %s", ['{"i": 99}', events[2].pk])
    with pytest.raises(CommandError, match=f"broken at event #{events[2].pk}") as caught:
        call_command("verify_audit")
    assert caught.value.returncode == 1


def test_verify_audit_names_event_after_a_deleted_one():
    events = make_events(5)
    tamper("DELETE FROM casework_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event #{events[2].pk}"):
        call_command("verify_audit")


def test_verify_audit_catches_rehashed_event():
    """Recomputing an edited event's own hash still breaks the next event's link."""
    events = make_events(3)
    e = events[1]
    forged = audit.event_hash(
        prev_hash=e.prev_hash,
        at=e.at,
        actor="user:mallory",
        action=e.action,
        target=e.target,
        data=e.data,
    )
    tamper(
        "UPDATE casework_auditevent SET actor = 'user:mallory', hash = %s WHERE id = %s",
        [forged, e.pk],
    )
    report = audit.verify_chain()
    assert report.broken_at == events[2].pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    def write(n: int) -> None:
        for i in range(25):
            audit.record("test.concurrent", actor=f"system:w{n}", target=f"t:{i}")
        connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEvent.objects.count() == 200
    report = audit.verify_chain()
    assert report.ok, report
    assert report.checked == 200


def test_auditor_reads_filters_verifies_and_exports_the_log():
    from casework import roles
    from tests.helpers import make_user, signed_in

    make_events(3)
    client = signed_in(make_user("aud", roles.AUDITOR))
    page = client.get("/audit/", {"action": "test."})
    assert page.status_code == 200
    assert page.content.count(b"test.event") == 3
    assert b"Chain intact" in client.get("/audit/", {"verify": "1"}).content
    export = client.get("/audit/", {"action": "test.", "format": "csv"})
    assert export["Cache-Control"] == "no-store"
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,at,actor,action,target")
    assert len(lines) == 4
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == "user:aud" and exported.data == {"action": "test."}
