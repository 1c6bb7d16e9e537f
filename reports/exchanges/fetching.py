"""Fetching an exchange into its hash list, a page at a time.

Each page's entries and the checkpoint after it are written in one transaction: a fetch that
dies (killed worker, lost network) resumes from the last page it committed, and as entries
are upserted on (list, kind, value), a page fetched twice adds nothing twice. Pages with no
records (NCMEC's client probes empty time ranges) only move the checkpoint in memory; it is
saved with the next page that has records, or at the end.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from reports.exchanges import clients
from reports.exchanges.models import Exchange
from reports.models import HashEntry
from reports.signals import exchange_fetched

logger = logging.getLogger(__name__)
# pg advisory locks are keyed (class, id); this class is the exchanges'.
LOCK_CLASS = 4207


@contextmanager
def _only_fetch(exchange: Exchange) -> Iterator[bool]:
    """True if this process may fetch the exchange now (no other fetch of it is running)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, exchange.pk])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, exchange.pk])


@dataclass
class FetchResult:
    records: int = 0
    added: int = 0
    removed: int = 0
    pages: int = 0
    error: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def upsert(exchange: Exchange, page: clients.Page) -> tuple[int, int]:
    """Add or refresh the page's entries and take off the removed ones; (added, removed).
    Runs inside the caller's transaction."""
    hash_list = exchange.hash_list
    rows = {
        (e.kind, e.value): HashEntry(
            hash_list=hash_list,
            kind=e.kind,
            value=e.value,
            category=e.category or hash_list.default_category,
            source_id=e.source_id,
        )
        for e in page.entries
    }
    before = hash_list.entries.count()
    if rows:
        HashEntry.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["hash_list", "kind", "value"],
            update_fields=["category", "source_id"],
            batch_size=5000,
        )
    gone = [Q(source_id__in=page.removed_sources)] if page.removed_sources else []
    gone += [Q(kind=kind, value=value) for kind, value in page.removed_values]
    removed = 0
    if gone:
        deleted = hash_list.entries.filter(reduce(operator.or_, gone)).delete()[1]
        removed = deleted.get(HashEntry._meta.label, 0)
    return hash_list.entries.count() - before + removed, removed


def _save_page(exchange: Exchange, page: clients.Page, checkpoint: Any) -> tuple[int, int]:
    with transaction.atomic():
        added, removed = upsert(exchange, page)
        Exchange.objects.filter(pk=exchange.pk).update(
            checkpoint=clients.dump_checkpoint(checkpoint),
            fetched_count=F("fetched_count") + page.records,
            pages_count=F("pages_count") + 1,
            last_page_at=timezone.now(),
        )
    return added, removed


def fetch(exchange: Exchange, *, actor: str = "system:worker") -> FetchResult | None:
    """Fetch the exchange from its checkpoint to the end; errors are kept on the exchange
    (last_error, state failed), never raised. Audited once per run (exchange.fetched).
    None if another fetch of the same exchange is running."""
    with _only_fetch(exchange) as may:
        if not may:
            return None
        exchange.refresh_from_db()
        return _fetch(exchange, actor)


def _fetch(exchange: Exchange, actor: str) -> FetchResult:
    result = FetchResult()
    Exchange.objects.filter(pk=exchange.pk).update(state=Exchange.State.FETCHING)
    pending = None  # a checkpoint after empty pages, not yet saved
    try:
        api = clients.exchange_api(exchange)
        start = clients.load_checkpoint(exchange, api)
        for page, checkpoint in clients.pages(exchange, api, start):
            if not page.records:
                pending = checkpoint
                continue
            added, removed = _save_page(exchange, page, checkpoint)
            pending = None
            result.records += page.records
            result.added += added
            result.removed += removed
            result.pages += 1
        if pending is not None:
            Exchange.objects.filter(pk=exchange.pk).update(
                checkpoint=clients.dump_checkpoint(pending)
            )
    except Exception as exc:  # any client, network or data error: shown on the exchange
        logger.warning("exchange %s: fetch failed: %s", exchange.name, exc)
        result.error = f"{type(exc).__name__}: {exc}"[:2000]
    _finish(exchange, result, actor)
    return result


def _finish(exchange: Exchange, result: FetchResult, actor: str) -> None:
    state = Exchange.State.FAILED if result.error else Exchange.State.IDLE
    with transaction.atomic():
        Exchange.objects.filter(pk=exchange.pk).update(
            state=state, last_fetch_at=timezone.now(), last_error=result.error
        )
        exchange.refresh_from_db()
        result.data = {
            "exchange": exchange.name,
            "kind": exchange.kind,
            "hash_list": exchange.hash_list.name,
            "records": result.records,
            "added": result.added,
            "removed": result.removed,
            "pages": result.pages,
            "error": result.error,
        }
        exchange_fetched.send(sender=Exchange, exchange=exchange, actor=actor, data=result.data)
        if result.added:
            from reports.tasks import rescan_media

            transaction.on_commit(rescan_media.delay)
