"""Active CSAM review, counted per reviewer and day from the case page's heartbeats; the
break it proposes after WELLBEING_BREAK_AFTER_MINUTES, taken or dismissed (both counted and
audited); and the daily cap a lead sets, which refuses claims from CSAM queues once reached
(other queues still work)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import audit, roles
from casework.cases.errors import CaseActionRefused
from casework.models import Queue, ReviewDay
from casework.wellbeing import limits

# The case page renews its lease at most once a minute while the reviewer is active, so one
# heartbeat stands for at most this much review (a gap after idling counts no more).
HEARTBEAT_SECONDS = 60


def is_csam_queue(queue: Queue) -> bool:
    return queue.slug == "csam" or any(reason.startswith("csam") for reason in queue.reasons)


def _day_row(user: Any, now: dt.datetime) -> ReviewDay:
    """Today's row, locked (made if missing; two first heartbeats at once make one)."""
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            ReviewDay.objects.get_or_create(user=user, day=day)
    except IntegrityError:
        pass
    return ReviewDay.objects.select_for_update().get(user=user, day=day)


def count_heartbeat(user: Any, queue: Queue, now: dt.datetime | None = None) -> None:
    """The reviewer was active on a case of this queue: count it if it is a CSAM queue."""
    if not is_csam_queue(queue):
        return
    now = now or timezone.now()
    with transaction.atomic():
        row = _day_row(user, now)
        since = (now - row.last_active_at).total_seconds() if row.last_active_at else None
        added = HEARTBEAT_SECONDS if since is None else max(0, min(HEARTBEAT_SECONDS, since))
        row.active_seconds += round(added)
        row.since_break_seconds += round(added)
        row.last_active_at = now
        row.save()


@dataclass(frozen=True)
class Status:
    active_minutes: int
    since_break_minutes: int
    break_due: bool
    on_break_until: dt.datetime | None
    cap_minutes: int | None
    capped: bool
    break_minutes: int


def today_row(user: Any, now: dt.datetime | None = None) -> ReviewDay | None:
    return ReviewDay.objects.filter(
        user=user, day=timezone.localdate(now or timezone.now())
    ).first()


def status_of(user: Any, now: dt.datetime | None = None) -> Status:
    now = now or timezone.now()
    row = today_row(user, now)
    cap = limits.rules_for(user).cap_minutes
    active = row.active_seconds if row else 0
    on_break = (
        row.on_break_until if row and row.on_break_until and row.on_break_until > now else None
    )
    due = bool(
        row
        and on_break is None
        and row.since_break_seconds >= settings.WELLBEING_BREAK_AFTER_MINUTES * 60
        and (row.prompt_after is None or row.prompt_after <= now)
    )
    return Status(
        active_minutes=active // 60,
        since_break_minutes=(row.since_break_seconds if row else 0) // 60,
        break_due=due,
        on_break_until=on_break,
        cap_minutes=cap,
        capped=cap is not None and active >= cap * 60,
        break_minutes=settings.WELLBEING_BREAK_MINUTES,
    )


def reviewer_status(user: Any) -> Status | None:
    """The banner's figures for a reviewer (None for people who do not review)."""
    return status_of(user) if roles.has_role(user, *roles.REVIEW_ROLES) else None


def take_break(user: Any, now: dt.datetime | None = None) -> dt.datetime:
    """Start the proposed break; the count towards the next one starts again."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _day_row(user, now)
        row.on_break_until = now + dt.timedelta(minutes=settings.WELLBEING_BREAK_MINUTES)
        row.breaks_taken += 1
        row.since_break_seconds = 0
        row.prompt_after = None
        row.save()
        audit.by_user(
            user,
            "wellbeing.break_taken",
            target=f"user:{user.get_username()}",
            data={
                "until": row.on_break_until.isoformat(),
                "active_minutes": row.active_seconds // 60,
            },
        )
    return row.on_break_until


def dismiss_break(user: Any, now: dt.datetime | None = None) -> None:
    """ "Not now": allowed, counted, and asked again after the snooze."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _day_row(user, now)
        row.breaks_dismissed += 1
        row.prompt_after = now + dt.timedelta(minutes=settings.WELLBEING_BREAK_SNOOZE_MINUTES)
        row.save()
        audit.by_user(
            user,
            "wellbeing.break_dismissed",
            target=f"user:{user.get_username()}",
            data={
                "dismissed_today": row.breaks_dismissed,
                "since_break_minutes": row.since_break_seconds // 60,
            },
        )


def refuse_if_capped(
    user: Any, queue: Queue, rules: limits.Rules, now: dt.datetime | None = None
) -> None:
    """Claiming from a CSAM queue is refused once today's active review reached the cap."""
    if not is_csam_queue(queue) or rules.cap_minutes is None:
        return
    day = timezone.localdate(now or timezone.now())
    row = ReviewDay.objects.filter(user=user, day=day).only("active_seconds").first()
    if row is not None and row.active_seconds >= rules.cap_minutes * 60:
        raise CaseActionRefused(
            f"You have reached today's limit of {rules.cap_minutes} minutes of CSAM review, "
            "set by your lead. CSAM queues open for you again tomorrow; other queues still work."
        )
