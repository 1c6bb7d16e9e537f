"""The audit log: append events to one hash chain, and verify it.

Appends are serialized by a transaction-level advisory lock, taken as late as possible so
concurrent writers wait only for each other's last step, and released at commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from casework.models import AuditEvent

GENESIS = "0" * 64
CHAIN_LOCK = 0x43574155  # "CWAU": the advisory lock key of the one audit chain


def event_hash(
    *, prev_hash: str, at: datetime, actor: str, action: str, target: str, data: dict[str, Any]
) -> str:
    """SHA-256 over the event's content in a canonical JSON form, chained to prev_hash."""
    body = json.dumps(
        {
            "prev": prev_hash,
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


def record(
    action: str,
    *,
    actor: str,
    target: str,
    data: dict[str, Any] | None = None,
    actor_user: Any = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one."""
    data = json.loads(json.dumps(data or {}, default=str))  # as it will read back from jsonb
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS
        at = timezone.now()
        return AuditEvent.objects.create(
            at=at,
            actor=actor,
            actor_user=actor_user,
            action=action,
            target=target,
            data=data,
            prev_hash=prev_hash,
            hash=event_hash(
                prev_hash=prev_hash, at=at, actor=actor, action=action, target=target, data=data
            ),
        )


def user_actor(user: Any) -> str:
    return f"user:{user.get_username()}" if user and user.is_authenticated else "anonymous"


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order; report the first event whose hash or link is wrong."""
    prev_hash = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last_id)
            .order_by("id")
            .values("id", "at", "actor", "action", "target", "data", "prev_hash", "hash")[
                :batch_size
            ]
        )
        if not batch:
            return ChainReport(checked)
        for event in batch:
            if event["prev_hash"] != prev_hash:
                return ChainReport(
                    checked, event["id"], "its link to the previous event does not match"
                )
            expected = event_hash(
                prev_hash=prev_hash,
                at=event["at"],
                actor=event["actor"],
                action=event["action"],
                target=event["target"],
                data=event["data"],
            )
            if expected != event["hash"]:
                return ChainReport(checked, event["id"], "its content does not match its hash")
            prev_hash = event["hash"]
            checked += 1
            last_id = event["id"]
