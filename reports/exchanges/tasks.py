"""The worker's exchange tasks: every enabled exchange on the beat, one on demand."""

from __future__ import annotations

from celery import shared_task

from reports.exchanges.models import Exchange


@shared_task(acks_late=True)
def fetch_exchange(exchange_id: int) -> dict | None:
    exchange = Exchange.objects.filter(pk=exchange_id).select_related("hash_list").first()
    if exchange is None:
        return None
    # Imported here: python-threatexchange loads faiss, some 200 MB of address space that
    # every worker child would otherwise carry under WORKER_MEMORY_LIMIT_MB.
    from reports.exchanges import fetching

    result = fetching.fetch(exchange)
    return result.data if result else None


@shared_task
def fetch_enabled_exchanges() -> int:
    """Queue a fetch of each enabled exchange (each resumes from its own checkpoint)."""
    ids = list(
        Exchange.objects.filter(enabled=True, hash_list__enabled=True).values_list("pk", flat=True)
    )
    for exchange_id in ids:
        fetch_exchange.delay(exchange_id)
    return len(ids)
