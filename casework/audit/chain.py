"""The audit log: record events, seal them into one hash chain, verify the chain.

Recording is a plain insert in the caller's transaction, so busy writers (intake, review)
never wait on each other. Sealing walks the committed events not yet sealed, in id order,
and appends a seal for each, chained to the one before, under a PostgreSQL advisory lock:
one sealer at a time, so there is one chain. The worker seals every second (beat), and
verify_audit seals before it verifies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.bulk_rows import insert_rows
from casework.models import AuditEvent, AuditSeal

GENESIS = "0" * 64
CHAIN_LOCK = 0x43574155  # "CWAU": the advisory lock key of the one audit chain
SEAL_BATCH = 5000
RECORD_SQL = (
    f"INSERT INTO {AuditEvent._meta.db_table} (at, actor, actor_user_id, action, target, data) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s::jsonb) RETURNING id"
)


def event_hash(
    *,
    prev_hash: str,
    event_id: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    data: dict[str, Any],
) -> str:
    """SHA-256 over the event's content in a canonical JSON form, chained to prev_hash."""
    body = json.dumps(
        {
            "prev": prev_hash,
            "id": event_id,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


EVENT_FIELDS = ("id", "at", "actor", "action", "target", "data")


def _hash_of(prev_hash: str, event: dict[str, Any]) -> str:
    """event_hash of an event read as .values(*EVENT_FIELDS)."""
    return event_hash(
        prev_hash=prev_hash,
        event_id=event["id"],
        at=event["at"],
        actor=event["actor"],
        action=event["action"],
        target=event["target"],
        data=event["data"],
    )


def record(
    action: str,
    *,
    actor: str,
    target: str,
    data: dict[str, Any] | None = None,
    actor_user: Any = None,
) -> AuditEvent:
    """Append one event, inside the caller's transaction if there is one."""
    text = json.dumps(data or {}, default=str)
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_user=actor_user,
        action=action,
        target=target,
        data=json.loads(text),  # as it will read back from jsonb
    )
    # One prepared statement, bound on the server: every request that does anything records
    # an event, and the ORM's insert costs more than the rest of a small request.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            RECORD_SQL,
            [event.at, actor, event.actor_user_id, action, target, text],
            prepare=True,
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event


@dataclass(frozen=True)
class PendingEvent:
    """An event to record with others in one insert (record_many)."""

    action: str
    actor: str
    target: str
    data: dict[str, Any] | None = None


def record_many(events: Sequence[PendingEvent]) -> int:
    """Append many events in order, inside the caller's transaction, in one pipelined round
    trip of the prepared insert; returns how many."""
    at = timezone.now()
    rows = [
        [at, e.actor, None, e.action, e.target, json.dumps(e.data or {}, default=str)]
        for e in events
    ]
    if rows:
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(RECORD_SQL, rows)
    return len(rows)


def by_user(
    user: Any, action: str, *, target: str, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Record that this signed-in user did it (the usual case)."""
    return record(action, actor=user_actor(user), actor_user=user, target=target, data=data)


def user_actor(user: Any) -> str:
    return f"user:{user.get_username()}" if user and user.is_authenticated else "anonymous"


# Ids behind the newest seal still looked at: at the 5,000+ events a second batch intake
# writes, some 10 s for a transaction to commit after taking its events' ids.
SEAL_LOOKBACK = 50_000


def seal_pending(limit: int = SEAL_BATCH, lookback: int = SEAL_LOOKBACK) -> int:
    """Chain committed events that have no seal yet; returns how many were sealed."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        prev_hash = AuditSeal.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = prev_hash or GENESIS
        # Only look back a window behind the newest sealed event: an event commits within
        # seconds of taking its id, and scanning the whole log every second would not scale.
        newest = AuditSeal.objects.order_by("-id").values_list("event_id", flat=True).first()
        floor = max(0, (newest or 0) - lookback)
        # NOT EXISTS plans as an anti-join on the seal index; a LEFT JOIN ... IS NULL would
        # scan every seal each second.
        sealed = AuditSeal.objects.filter(event_id=OuterRef("pk"), event_id__gt=floor)
        pending = list(
            AuditEvent.objects.filter(id__gt=floor)
            .filter(~Exists(sealed))
            .order_by("id")
            .values(*EVENT_FIELDS)[:limit]
        )
        seals = []
        for event in pending:
            digest = _hash_of(prev_hash, event)
            seals.append(AuditSeal(event_id=event["id"], prev_hash=prev_hash, hash=digest))
            prev_hash = digest
        insert_rows(seals)
    return len(seals)


def seal_all() -> int:
    """Seal until nothing is pending, looking back over the whole log."""
    total = 0
    while sealed := seal_pending(lookback=2**62):
        total += sealed
    return total


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""
    unsealed: int = 0
    checkpoints: int = 0  # how many signed checkpoints the chain matched

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_chain(batch_size: int = 5000, checkpoints: Sequence[Any] = ()) -> ChainReport:
    """Walk the seals in order; report the first event whose content or link is wrong, whose
    seal points at nothing (a deleted event), or where the chain is not what a checkpoint
    (casework.audit.checkpoints) recorded at that length; and a chain shorter than one."""
    expected_at = sorted(checkpoints, key=lambda c: c.events)
    prev_hash = GENESIS
    checked = matched = 0
    last_seal = 0
    while True:
        seals = list(
            AuditSeal.objects.filter(id__gt=last_seal)
            .order_by("id")
            .values("id", "event_id", "prev_hash", "hash")[:batch_size]
        )
        if not seals:
            break
        events = {
            e["id"]: e
            for e in AuditEvent.objects.filter(id__in=[s["event_id"] for s in seals]).values(
                *EVENT_FIELDS
            )
        }
        for seal in seals:
            event = events.get(seal["event_id"])
            if event is None:
                return ChainReport(checked, seal["event_id"], "the event was removed")
            if seal["prev_hash"] != prev_hash:
                return ChainReport(
                    checked, event["id"], "its link to the previous event does not match"
                )
            if _hash_of(prev_hash, event) != seal["hash"]:
                return ChainReport(checked, event["id"], "its content does not match its hash")
            prev_hash = seal["hash"]
            checked += 1
            last_seal = seal["id"]
            while expected_at and expected_at[0].events == checked:
                checkpoint = expected_at.pop(0)
                if (checkpoint.head, checkpoint.seal_id) != (seal["hash"], seal["id"]):
                    return ChainReport(
                        checked,
                        event["id"],
                        f"the chain is not the one signed checkpoint #{checkpoint.number} "
                        f"recorded at {checkpoint.at}: its history was rewritten",
                        checkpoints=matched,
                    )
                matched += 1
    unsealed = AuditEvent.objects.filter(seal__isnull=True).count()
    if expected_at:
        newest = expected_at[-1]
        return ChainReport(
            checked,
            None,
            f"{newest.events - checked} events are missing: signed checkpoint "
            f"#{newest.number} recorded {newest.events} at {newest.at}, the chain has {checked}",
            unsealed=unsealed,
            checkpoints=matched,
        )
    return ChainReport(checked, unsealed=unsealed, checkpoints=matched)
