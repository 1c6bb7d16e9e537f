"""An insider who owns the database rewrites the audit log; verify_audit must say so. Each
scenario of the attack run: truncate, truncate and re-insert (with and without re-sealing),
wipe, delete the newest events, and edit with the triggers off and the seals dropped. The
tampering is done as the tables' owner on a real PostgreSQL; the signed checkpoints outside
the database are what catch it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from casework import audit
from casework.audit import checkpoints, verification
from casework.models import AuditEvent, AuditSeal
from tests.helpers import as_owner

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def history() -> list[AuditEvent]:
    """A small day's log: a view, a reveal, a decision; sealed and checkpointed."""
    events = []
    for n in range(3):
        events.append(audit.record("case.viewed", actor="user:rev", target=f"case:{n}"))
        events.append(audit.record("media.revealed", actor="user:rev", target=f"media:{n}"))
        events.append(
            audit.record("case.decided", actor="user:rev", target=f"case:{n}", data={"n": n})
        )
    call_command("audit_checkpoint")
    return events


def verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as caught:
        call_command("verify_audit")
    assert caught.value.returncode == 1
    return str(caught.value)


def test_an_untouched_log_verifies_against_its_checkpoints(capsys):
    history()
    audit.record("case.viewed", actor="user:rev", target="case:9")  # after the checkpoint
    call_command("verify_audit")
    assert "10 events verified, 1 signed checkpoints matched" in capsys.readouterr().out
    [checkpoint] = checkpoints.read_all()
    assert (checkpoint.number, checkpoint.events) == (1, 9)


def test_truncating_both_tables_is_caught():
    history()
    as_owner("TRUNCATE casework_auditseal, casework_auditevent")
    verify_fails("9 events are missing: signed checkpoint #1 recorded 9")


def test_truncate_and_reinsert_without_the_reveals_is_caught():
    history()
    as_owner(
        "CREATE TEMP TABLE aside AS SELECT * FROM casework_auditevent",
        "TRUNCATE casework_auditseal, casework_auditevent",
        "INSERT INTO casework_auditevent SELECT * FROM aside WHERE action <> 'media.revealed'",
        "UPDATE casework_auditevent SET actor = 'user:someone-else' WHERE action = 'case.decided'",
        "DROP TABLE aside",
    )
    verify_fails("events are missing|not the one signed checkpoint")


def test_reinserted_events_below_a_checkpoint_are_reported_not_sealed(monkeypatch):
    monkeypatch.setattr(verification, "COMMIT_GRACE", timedelta(0))
    events = history()
    as_owner(
        "CREATE TEMP TABLE aside AS SELECT * FROM casework_auditevent",
        "TRUNCATE casework_auditseal, casework_auditevent",
        "INSERT INTO casework_auditevent SELECT * FROM aside WHERE action <> 'media.revealed'",
        "DROP TABLE aside",
    )
    verify_fails(f"events appeared below signed checkpoint #1 .* #{events[0].pk}")
    assert not AuditSeal.objects.exists()  # verify_audit sealed none of them


INSERT_SEAL = "INSERT INTO casework_auditseal (event_id, prev_hash, hash) VALUES (%s, %s, %s)"


def test_a_rewritten_history_resealed_by_the_attacker_is_caught():
    """The chain's hashes are unkeyed: an owner can recompute a consistent chain. It no
    longer matches what the checkpoint signed."""
    events = history()
    forged = [e for e in events if e.action != "media.revealed"]
    as_owner(
        "TRUNCATE casework_auditseal",
        "DELETE FROM casework_auditevent WHERE action = 'media.revealed'",
    )
    prev = audit.GENESIS
    seals = []
    for event in forged:
        digest = audit.event_hash(
            prev_hash=prev,
            event_id=event.pk,
            at=event.at,
            actor=event.actor,
            action=event.action,
            target=event.target,
            data=event.data,
        )
        seals.append(
            (
                "INSERT INTO casework_auditseal (event_id, prev_hash, hash) VALUES (%s, %s, %s)",
                [event.pk, prev, digest],
            )
        )
        prev = digest
    as_owner(*seals)
    verify_fails("3 events are missing")


def test_wiping_the_log_is_caught():
    history()
    as_owner("DELETE FROM casework_auditseal", "DELETE FROM casework_auditevent")
    verify_fails("9 events are missing")


def test_a_deleted_checkpoint_file_is_caught_once_the_log_is_older_than_two_intervals(
    settings, monkeypatch
):
    history()
    checkpoints.checkpoint_file().unlink()
    call_command("verify_audit")  # a log this young may not have its first checkpoint yet
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    monkeypatch.setattr(verification, "COMMIT_GRACE", timedelta(0))
    verify_fails("no signed checkpoint in .* although the log holds events since")


def test_deleting_the_newest_events_is_caught():
    events = history()
    newest = [e.pk for e in events[-5:]]
    as_owner(
        ("DELETE FROM casework_auditseal WHERE event_id = ANY(%s)", [newest]),
        ("DELETE FROM casework_auditevent WHERE id = ANY(%s)", [newest]),
    )
    verify_fails("5 events are missing")


def test_an_edit_with_the_triggers_off_and_the_seals_dropped_is_caught(monkeypatch):
    monkeypatch.setattr(verification, "COMMIT_GRACE", timedelta(0))
    events = history()
    edited = events[4]  # a reveal, made to look like someone else's; its seal and later go
    as_owner(
        ("UPDATE casework_auditevent SET actor = 'user:mallory' WHERE id = %s", [edited.pk]),
        ("DELETE FROM casework_auditseal WHERE event_id >= %s", [edited.pk]),
    )
    verify_fails(f"events appeared below signed checkpoint #1 .*#{edited.pk}")


def test_a_forged_checkpoint_is_refused():
    history()
    path = checkpoints.checkpoint_file()
    line = json.loads(path.read_text())
    path.write_text(json.dumps(line | {"events": 3}) + "\n")
    verify_fails("checkpoint line 1 .* is not a valid signed checkpoint")


def test_the_sealer_checkpoints_on_its_interval(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 3600
    audit.record("case.viewed", actor="user:rev", target="case:1")
    from casework.audit.tasks import seal_audit_events

    seal_audit_events()  # the first checkpoint: none before it
    audit.record("case.viewed", actor="user:rev", target="case:2")
    seal_audit_events()  # sealed, but within the interval: no second checkpoint
    assert [c.events for c in checkpoints.read_all()] == [1]
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    seal_audit_events()
    assert [c.events for c in checkpoints.read_all()] == [1, 2]
    assert checkpoints.publish() is None  # nothing new since


def test_the_application_role_may_only_append_and_read_the_log():
    from casework import db_roles

    assert db_roles.privilege_problems("default") == []
    owner = db_roles.privilege_problems("owner")
    assert any("superuser" in p for p in owner) or any("owns" in p for p in owner)
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = current_user AND table_name = 'casework_auditevent' ORDER BY 1"
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]
