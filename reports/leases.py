"""Who is processing a media item, until when, and how many times it was tried.

An attempt is counted and committed before processing starts, so a file that kills the
worker processing it (out of memory, a crash in a decoder) still uses up its attempts and
ends failed instead of being delivered again forever. While a worker processes an item it
holds a lease that a thread renews every third of MEDIA_LEASE_SECONDS; a worker that dies
stops renewing it, and the sweep queues the item again within seconds of its expiry (the
broker's own redelivery of an unacknowledged message waits CELERY_VISIBILITY_TIMEOUT).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from reports.models import Media

# The holder of an item whose message is on its way (queued again, or a retry after its
# backoff): any delivery may claim it; past lease_until the sweep queues it once more.
QUEUED = "queued"
# Media that never had a lease (queued at intake) are looked for after this long.
STALLED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Claim:
    outcome: str  # "claimed", "done", "held" or "exhausted"
    attempt: int = 0
    holder: str = ""
    wait: float = 0.0  # "held": seconds until the other holder's lease runs out


def ttl() -> timedelta:
    return timedelta(seconds=settings.MEDIA_LEASE_SECONDS)


def claim(media_id: int, max_attempts: int) -> Claim:
    """Take the item for one attempt, counted and committed before any work starts."""
    with transaction.atomic():
        media = Media.objects.select_for_update().filter(pk=media_id).first()
        if media is None or media.status != Media.Status.PENDING:
            return Claim("done")
        now = timezone.now()
        held_by_another = media.lease_holder not in ("", QUEUED)
        if held_by_another and media.lease_until and media.lease_until > now:
            return Claim("held", wait=(media.lease_until - now).total_seconds())
        if media.attempts >= max_attempts:
            return Claim("exhausted", attempt=media.attempts)
        holder = uuid.uuid4().hex
        media.attempts += 1
        media.lease_holder = holder
        media.lease_until = now + ttl()
        media.save(update_fields=["attempts", "lease_holder", "lease_until"])
    return Claim("claimed", attempt=media.attempts, holder=holder)


@contextlib.contextmanager
def kept(media_id: int, holder: str) -> Iterator[None]:
    """Renew the lease from a thread of its own while the block runs."""
    stop = threading.Event()
    interval = settings.MEDIA_LEASE_SECONDS / 3

    def renew() -> None:
        try:
            while not stop.wait(interval):
                Media.objects.filter(pk=media_id, lease_holder=holder).update(
                    lease_until=timezone.now() + ttl()
                )
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"media-lease-{media_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def release_for_retry(media_id: int, holder: str, countdown: float, error: str) -> None:
    """Hand the item to its retry, which any delivery may claim; if the retry never comes
    (its worker died while holding it back), the sweep queues the item after the backoff."""
    Media.objects.filter(pk=media_id, lease_holder=holder).update(
        lease_holder=QUEUED,
        lease_until=timezone.now() + timedelta(seconds=countdown) + ttl(),
        error=error,
    )


def take_expired(limit: int = 1000) -> list[int]:
    """The pending items whose lease ran out (or that were never taken up), marked queued;
    the caller queues them once this transaction commits."""
    now = timezone.now()
    expired = Media.objects.filter(status=Media.Status.PENDING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, created_at__lt=now - STALLED_AFTER)
    )
    ids = list(
        expired.select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    Media.objects.filter(pk__in=ids).update(lease_holder=QUEUED, lease_until=now + STALLED_AFTER)
    return ids
