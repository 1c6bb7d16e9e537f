"""The audit log: one hash chain, append-only in the database, verified by a command."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from casework import audit
from casework.models import AuditEvent, AuditSeal
from tests.helpers import as_owner

# Transactional: the tampering below is done on the owner's own connection, which sees only
# committed rows.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def make_events(n: int) -> list[AuditEvent]:
    events = [
        audit.record("test.event", actor="system:test", target=f"thing:{i}", data={"i": i})
        for i in range(n)
    ]
    audit.seal_pending()
    return events


def test_seals_chain_events_to_each_other():
    events = make_events(3)
    seals = [AuditSeal.objects.get(event=e) for e in events]
    assert seals[0].prev_hash == audit.GENESIS
    assert seals[1].prev_hash == seals[0].hash
    assert seals[2].prev_hash == seals[1].hash
    assert audit.verify_chain().ok
    assert audit.seal_pending() == 0  # nothing sealed twice


def record_burst(size: int) -> None:
    audit.record_many(
        [
            audit.PendingEvent("report.received", actor="t", target=f"report:{n}")
            for n in range(size)
        ]
    )


def test_the_scheduled_sealer_seals_a_burst_larger_than_one_batch(monkeypatch):
    from casework.audit import tasks
    from casework.audit.chain import SEAL_BATCH

    # The run's time limit is not what this test is about: a slow machine must not stop it.
    monkeypatch.setattr(tasks, "SEAL_RUN_SECONDS", 600)
    burst = SEAL_BATCH * 2 + 7
    record_burst(burst)
    assert tasks.seal_audit_events() == burst
    assert AuditSeal.objects.count() == AuditEvent.objects.count()


def test_the_scheduled_sealer_stops_at_its_time_limit_and_leaves_the_rest(monkeypatch):
    from casework.audit import tasks
    from casework.audit.chain import SEAL_BATCH

    monkeypatch.setattr(tasks, "SEAL_RUN_SECONDS", 0)
    record_burst(SEAL_BATCH + 3)
    assert tasks.seal_audit_events() == SEAL_BATCH
    assert tasks.seal_audit_events() == 3


def test_unsealed_events_are_counted_then_sealed():
    make_events(2)
    audit.record("test.late", actor="system:test", target="thing:x")
    report = audit.verify_chain()
    assert (report.ok, report.checked, report.unsealed) == (True, 2, 1)
    assert audit.seal_pending() == 1


@pytest.mark.parametrize("using", ["default", "owner"])
def test_database_refuses_update_delete_and_truncate(using):
    """The application's role has no such privilege; even the owner meets the triggers."""
    event = make_events(1)[0]
    refused = "append-only" if using == "owner" else "permission denied"
    events, seals = AuditEvent.objects.using(using), AuditSeal.objects.using(using)
    for change in (
        lambda: events.filter(pk=event.pk).update(action="edited"),
        lambda: events.filter(pk=event.pk).delete(),
        lambda: seals.filter(event=event).update(hash="0" * 64),
        lambda: seals.filter(event=event).delete(),
    ):
        with pytest.raises(DatabaseError, match=refused), transaction.atomic(using=using):
            change()
    for table in ("casework_auditevent", "casework_auditseal"):
        with (
            pytest.raises(DatabaseError, match=refused),
            transaction.atomic(using=using),
            connections[using].cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def tamper(sql: str, params: list) -> None:
    as_owner((sql, params))


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


def test_verify_audit_names_a_deleted_event():
    events = make_events(5)
    tamper("DELETE FROM casework_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event #{events[1].pk}: the event was"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_seal():
    events = make_events(5)
    tamper("DELETE FROM casework_auditseal WHERE event_id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event #{events[2].pk}"):
        call_command("verify_audit")


def test_verify_audit_catches_rehashed_event():
    """Recomputing an edited event's own seal still breaks the next seal's link."""
    events = make_events(3)
    e = events[1]
    seal = AuditSeal.objects.get(event=e)
    forged = audit.event_hash(
        prev_hash=seal.prev_hash,
        event_id=e.pk,
        at=e.at,
        actor="user:mallory",
        action=e.action,
        target=e.target,
        data=e.data,
    )
    tamper("UPDATE casework_auditevent SET actor = 'user:mallory' WHERE id = %s", [e.pk])
    tamper("UPDATE casework_auditseal SET hash = %s WHERE id = %s", [forged, seal.pk])
    report = audit.verify_chain()
    assert report.broken_at == events[2].pk


def test_concurrent_writers_keep_one_chain():
    def write(n: int) -> None:
        for i in range(25):
            audit.record("test.concurrent", actor=f"system:w{n}", target=f"t:{i}")
        connection.close()

    def seal() -> None:  # two sealers racing each other and the writers
        for _ in range(30):
            audit.seal_pending()
        connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=seal) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEvent.objects.count() == 200
    audit.seal_all()
    assert AuditSeal.objects.count() == 200
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
