"""Reading the audit log: filtered pages for the auditor, and the audited CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from casework.audit.chain import by_user
from casework.models import AuditEvent

PAGE_SIZE = 100
EXPORT_COLUMNS = ["id", "at", "actor", "action", "target", "data", "prev_hash", "hash"]


def events(*, actor: str = "", action: str = "", target: str = "") -> QuerySet[AuditEvent]:
    """Audit events newest first; actor and target match exactly, action by prefix."""
    found = AuditEvent.objects.order_by("-pk")
    if actor:
        found = found.filter(actor=actor)
    if action:
        found = found.filter(action__startswith=action)
    if target:
        found = found.filter(target=target)
    return found


def page(found: QuerySet[AuditEvent], before: str) -> tuple[list[AuditEvent], int | None]:
    """One page of events older than the id `before` (if given), and the next page's mark."""
    rows = list((found.filter(pk__lt=int(before)) if before.isdigit() else found)[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], older


def export_csv(user: Any, filters: dict[str, str]) -> Iterator[str]:
    """Record the export, then the matching events oldest first as CSV lines, each with its
    seal (the chain link an outside reader can verify)."""
    by_user(user, "audit.exported", target="audit", data={k: v for k, v in filters.items() if v})
    return _csv_lines(events(**filters))


def _csv_lines(found: QuerySet[AuditEvent]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        line = out.getvalue()
        out.seek(0)
        out.truncate()
        return line

    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    for e in found.select_related("seal").order_by("pk").iterator():
        seal = getattr(e, "seal", None)
        writer.writerow(
            [
                e.pk,
                e.at.isoformat(),
                e.actor,
                e.action,
                e.target,
                json.dumps(e.data),
                seal.prev_hash if seal else "",
                seal.hash if seal else "(not sealed yet)",
            ]
        )
        yield flush()
