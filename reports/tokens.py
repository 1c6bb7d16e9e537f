"""Intake tokens: made once, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
import time

from django.db import transaction
from django.utils import timezone

from reports.models import IntakeToken, Platform
from reports.signals import intake_token_created

TOKEN_PREFIX = "cwk_"  # noqa: S105 (a marker, not a secret)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_intake_token(platform_name: str, *, created_by: str) -> tuple[IntakeToken, str]:
    """Make a token for the platform (created if new); return the row and the token itself."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        platform, _ = Platform.objects.get_or_create(name=platform_name)
        row = IntakeToken.objects.create(
            platform=platform, prefix=token[:12], token_hash=_digest(token)
        )
        intake_token_created.send(sender=IntakeToken, token=row, created_by=created_by)
    return row, token


# digest -> (token row, when to look again). A revoked token stops working within
# TOKEN_CACHE_SECONDS; the lookup it saves is a fifth of an intake request's CPU.
TOKEN_CACHE_SECONDS = 10
_known: dict[str, tuple[IntakeToken, float]] = {}


def platform_for_token(token: str) -> Platform | None:
    """The platform a live token belongs to, or None."""
    digest = _digest(token)
    cached = _known.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        row = cached[0]
    else:
        row = (
            IntakeToken.objects.select_related("platform")
            .filter(token_hash=digest, revoked_at__isnull=True)
            .first()
        )
        if row is None:
            _known.pop(digest, None)
            return None
        if len(_known) > 10_000:
            _known.clear()
        _known[digest] = (row, time.monotonic() + TOKEN_CACHE_SECONDS)
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        # Touch at most once a minute so a busy integration does not write on every request.
        IntakeToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row.platform


def revoke_token(row: IntakeToken) -> None:
    """Revoke a token: at once in this process, within TOKEN_CACHE_SECONDS in the others."""
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    _known.pop(row.token_hash, None)
