"""The one sign-in throttle, for every way in: the password (the staff sign-in page and the
Django admin's login, through the authentication backend) and the second-factor step.

Failures are rows in PostgreSQL, so every web process sees the same counts. They are counted
over a sliding window per (username, client address) and, with a higher limit, per username
from every address; there is no per-address count, so failures on one account never lock
another, even when all staff come through one proxy. Attempts on one username are serialised
under an advisory lock, so a burst of parallel guesses gets no more than the limit.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from casework import audit
from casework.models import LoginFailure

LOCK_CLASS = 0x43575349  # "CWSI": advisory lock namespace for sign-in attempts per username
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (a label for "no request", not a bind address)
USERNAME_LENGTH = 150


@dataclass(frozen=True)
class Lock:
    """Sign-in is refused until `until`: for this account from this address ("address"),
    or for this account from everywhere ("account")."""

    scope: str
    until: datetime

    def retry_after(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))


class SignInLocked(Exception):  # noqa: N818 (names the state, as Django's PermissionDenied does)
    """Raised through the sign-in view, the admin's login or the second-factor step; the
    middleware answers it with 429 and Retry-After."""

    def __init__(self, lock: Lock):
        super().__init__(f"sign-in locked ({lock.scope}) until {lock.until.isoformat()}")
        self.lock = lock


def client_address(request: HttpRequest | None) -> str:
    """The address a request came from: the peer, unless TRUSTED_PROXY_COUNT proxies stand
    in front, in which case the X-Forwarded-For entry that many hops from the right (what
    the outermost trusted proxy saw). Entries further left are the client's own words."""
    if request is None:
        return UNKNOWN_ADDRESS
    peer = request.META.get("REMOTE_ADDR") or UNKNOWN_ADDRESS
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if hops <= 0 or not forwarded:
        return peer
    # Fewer entries than trusted proxies: the leftmost was still written by one of them.
    candidate = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def current_lock(username: str, address: str) -> Lock | None:
    """The lock on this username from this address, if its failures reached a limit. It
    lasts until the oldest of the last `limit` failures leaves the window."""
    username = username[:USERNAME_LENGTH]
    recent = LoginFailure.objects.filter(username=username, at__gte=timezone.now() - window())
    counted = (
        ("address", recent.filter(address=address), settings.LOGIN_FAILURE_LIMIT),
        ("account", recent, settings.LOGIN_FAILURE_ACCOUNT_LIMIT),
    )
    locks = []
    for scope, failures, limit in counted:
        newest_first = failures.order_by("-at").values_list("at", flat=True)
        last_counted = list(newest_first[limit - 1 : limit])
        if last_counted:
            locks.append(Lock(scope, last_counted[0] + window()))
    return max(locks, key=lambda lock: lock.until, default=None)


@contextmanager
def attempt(username: str, address: str) -> Iterator[None]:
    """Run one sign-in attempt on this username: one at a time per username, and refused
    with SignInLocked (audited, not counted as a failure) while it is locked."""
    username = username[:USERNAME_LENGTH]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, username])
        lock = current_lock(username, address)
        if lock is None:
            yield
            return
        audit.record(
            "login.refused",
            actor=f"anonymous@{address}",
            target=f"user:{username}",
            data={"scope": lock.scope, "until": lock.until.isoformat()},
        )
    # Raised once the refusal's audit event is committed.
    raise SignInLocked(lock)


def record_failure(username: str, address: str, *, step: str) -> None:
    """Count a failed password or second-factor code (audited); audit the lock it starts."""
    username = username[:USERNAME_LENGTH]
    actor, target = f"anonymous@{address}", f"user:{username}"
    LoginFailure.objects.create(username=username, address=address)
    audit.record("login.failed", actor=actor, target=target, data={"step": step})
    lock = current_lock(username, address)
    if lock is not None:
        data = {"scope": lock.scope, "until": lock.until.isoformat(), "step": step}
        audit.record("login.locked", actor=actor, target=target, data=data)
    LoginFailure.objects.filter(at__lt=timezone.now() - window()).delete()


def clear(username: str, address: str) -> None:
    """A complete sign-in: forget this account's failures from this address."""
    LoginFailure.objects.filter(username=username[:USERNAME_LENGTH], address=address).delete()
