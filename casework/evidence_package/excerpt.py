"""The case's audit excerpt: every sealed event about the case, its reports and its media,
each with its seal's chain hashes, and checking one as a receiver can, without the database.

Each event's hash is recomputed from its content and its seal's prev_hash with the audit
chain's own function (casework.audit.event_hash); where two excerpt events are neighbours in
the chain, the second must link to the first. The case's events are spread through the one
chain, so the excerpt also links its own events in order (`excerpt_prev`: the hash of the
excerpt event before) and records its length and last hash: an event taken out in the
middle or at the end is named. The hashes themselves are the live chain's, which
verify_audit checks against the signed checkpoints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from casework.audit import GENESIS, event_hash, seal_pending
from casework.models import AuditEvent


def case_targets(case_id: int, reports: list[Any]) -> list[str]:
    """The audit targets that are about the case (as the case page's timeline reads them)."""
    targets = [f"case:{case_id}"]
    for report in reports:
        targets += [f"report:{report.pk}", f"text:report:{report.pk}"]  # text: as sent
        targets.extend(f"media:{m.pk}" for m in report.media.all())
    return targets


def build(targets: list[str]) -> dict[str, Any]:
    """The excerpt of every event on these targets sealed so far (sealing what is pending
    first), oldest first."""
    seal_pending()
    found = AuditEvent.objects.filter(target__in=targets)
    sealed = found.filter(seal__isnull=False).select_related("seal").order_by("seal__id")
    events = []
    previous = GENESIS
    for event in sealed.iterator():
        events.append(
            {
                "id": event.pk,
                "at": event.at.isoformat(timespec="microseconds"),
                "actor": event.actor,
                "action": event.action,
                "target": event.target,
                "data": event.data,
                "seal": event.seal.pk,
                "prev_hash": event.seal.prev_hash,
                "hash": event.seal.hash,
                "excerpt_prev": previous,
            }
        )
        previous = event.seal.hash
    return {
        "targets": targets,
        "count": len(events),
        "head": previous,
        "unsealed": found.filter(seal__isnull=True).count(),
        "events": events,
    }


def problems(excerpt: dict[str, Any]) -> list[str]:
    """What is wrong with an excerpt, each naming the event; [] when it holds together."""
    found: list[str] = []
    events = excerpt.get("events") or []
    previous: dict[str, Any] | None = None
    for event in events:
        name = f"audit event #{event.get('id')}"
        try:
            recomputed = _recomputed(event)
        except (KeyError, TypeError, ValueError):
            found.append(f"{name}: it is not a complete audit event")
            previous = event
            continue
        if recomputed != event["hash"]:
            found.append(f"{name} ({event['action']}): its content does not match its chain hash")
        expected_prev = previous.get("hash") if previous else GENESIS
        if event.get("excerpt_prev") != expected_prev:
            found.append(
                f"{name}: the excerpt event before it is missing (it follows hash "
                f"{str(event.get('excerpt_prev'))[:12]}…, which no event before it has)"
            )
        elif _neighbours(previous, event) and event["prev_hash"] != previous["hash"]:
            found.append(f"{name}: it does not link to audit event #{previous['id']}")
        previous = event
    if excerpt.get("count") != len(events):
        found.append(
            f"audit excerpt: it holds {len(events)} events where it was made with "
            f"{excerpt.get('count')}: events were removed or added"
        )
    head = previous.get("hash") if previous else GENESIS
    if excerpt.get("head") != head:
        found.append("audit excerpt: its last event is not the one it was made with")
    return found


def _recomputed(event: dict[str, Any]) -> str:
    return event_hash(
        prev_hash=event["prev_hash"],
        event_id=event["id"],
        at=datetime.fromisoformat(event["at"]),
        actor=event["actor"],
        action=event["action"],
        target=event["target"],
        data=event["data"],
    )


def _neighbours(previous: dict[str, Any] | None, event: dict[str, Any]) -> bool:
    """Next to each other in the chain: the second's seal follows the first's."""
    return bool(previous) and previous.get("seal") == event["seal"] - 1
