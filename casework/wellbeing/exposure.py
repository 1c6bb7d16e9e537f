"""A reviewer's exposure, per day: items revealed (the server's reveal log), seconds of
revealed material on screen (what the case page reported at each re-blur), and CSAM cases
decided. The same figures summed over the team, without names, for leads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, FloatField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from casework.models import AuditEvent, Decision

CHART_DAYS = 28
CSAM_VERDICTS = (Decision.Verdict.CSAM_CONFIRMED, Decision.Verdict.CSAM_SUSPECTED)


@dataclass(frozen=True)
class Day:
    day: dt.date
    revealed: int = 0
    seconds: float = 0.0
    csam_decided: int = 0
    reviewers: int = 0  # in a team figure: how many people revealed or decided that day

    @property
    def minutes(self) -> float:
        return round(self.seconds / 60, 1)


@dataclass(frozen=True)
class Exposure:
    days: list[Day]  # the last CHART_DAYS days, oldest first, today last

    @property
    def today(self) -> Day:
        return self.days[-1]

    @property
    def this_week(self) -> Day:
        """Since Monday, as one Day dated Monday."""
        monday = self.today.day - dt.timedelta(days=self.today.day.weekday())
        week = [d for d in self.days if d.day >= monday]
        return Day(
            monday,
            revealed=sum(d.revealed for d in week),
            seconds=sum(d.seconds for d in week),
            csam_decided=sum(d.csam_decided for d in week),
        )


def _first_day(now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=CHART_DAYS - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    return first, start


def _events(start: dt.datetime, who: Q) -> QuerySet:
    return (
        AuditEvent.objects.filter(
            who, at__gte=start, action__in=("media.revealed", "media.reblurred")
        )
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            revealed=Count("id", filter=Q(action="media.revealed")),
            seconds=Sum(
                Cast(KeyTextTransform("seconds", "data"), FloatField()),
                filter=Q(action="media.reblurred"),
            ),
            people=Count("actor_user", distinct=True),
        )
    )


def _decisions(start: dt.datetime, who: Q) -> QuerySet:
    return (
        Decision.objects.filter(who, decided_at__gte=start, verdict__in=CSAM_VERDICTS)
        .annotate(day=TruncDate("decided_at"))
        .values("day")
        .annotate(decided=Count("id"), people=Count("decided_by", distinct=True))
    )


def _days(first: dt.date, events: QuerySet, decisions: QuerySet) -> list[Day]:
    seen = {row["day"]: row for row in events}
    decided = {row["day"]: row for row in decisions}
    days = []
    for n in range(CHART_DAYS):
        day = first + dt.timedelta(days=n)
        e, d = seen.get(day, {}), decided.get(day, {})
        days.append(
            Day(
                day,
                revealed=e.get("revealed", 0),
                seconds=round(e.get("seconds") or 0.0, 1),
                csam_decided=d.get("decided", 0),
                reviewers=max(e.get("people", 0), d.get("people", 0)),
            )
        )
    return days


def of_reviewer(user: Any, now: dt.datetime | None = None) -> Exposure:
    """One person's figures for the last CHART_DAYS days."""
    first, start = _first_day(now or timezone.now())
    events = _events(start, Q(actor_user=user))
    decisions = _decisions(start, Q(decided_by=user))
    return Exposure(_days(first, events, decisions))


def of_team(now: dt.datetime | None = None) -> Exposure:
    """Everyone's figures summed per day (with how many people), no names."""
    first, start = _first_day(now or timezone.now())
    events = _events(start, Q(actor_user__isnull=False))
    return Exposure(_days(first, events, _decisions(start, Q())))
