"""How long evidence is kept: the spans from the settings, and the dates they give."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

ACTOR = "system:preservation"
LAW = "18 U.S.C. 2258A(h)"


def preserve_span() -> timedelta:
    """After a hotline report's submission (at least a year; the settings refuse less)."""
    return timedelta(days=settings.EVIDENCE_PRESERVE_DAYS)


def keep_closed_span() -> timedelta:
    """After a case is settled (closed, or every hotline has its report)."""
    return timedelta(days=settings.EVIDENCE_KEEP_CLOSED_DAYS)


def preserved_until(submitted_at: datetime) -> datetime:
    return submitted_at + preserve_span()


def kept_until(settled_at: datetime) -> datetime:
    return settled_at + keep_closed_span()
