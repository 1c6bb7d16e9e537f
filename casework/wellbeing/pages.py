"""What the exposure pages show: a reviewer's own figures (always theirs to see), the team's
sums for leads, and one person's figures for a lead only with a stated reason. Each look is
recorded in the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from casework import accounts, audit, roles
from casework.cases.errors import FieldRefused
from casework.stats import svg
from casework.stats.figures import BARS, Figure
from casework.wellbeing import activity, exposure, limits
from casework.wellbeing.exposure import Exposure

REASON_MAX = 500


@dataclass(frozen=True)
class Chart:
    figure: Figure
    svg: str


def _charts(figures: Exposure) -> list[Chart]:
    buckets = [timezone.make_aware(dt.datetime.combine(d.day, dt.time())) for d in figures.days]
    wanted = [
        ("revealed", "Items revealed", "items", [d.revealed for d in figures.days]),
        ("minutes", "Revealed material on screen", "minutes", [d.minutes for d in figures.days]),
        ("decided", "CSAM cases decided", "cases", [d.csam_decided for d in figures.days]),
    ]
    charts = []
    for name, title, unit, values in wanted:
        figure = Figure(name, title, unit, BARS, buckets, {title: values})
        charts.append(Chart(figure, svg.chart(figure, hourly=False)))
    return charts


def _context(figures: Exposure) -> dict[str, Any]:
    return {
        "today": figures.today,
        "week": figures.this_week,
        "days": list(reversed(figures.days)),
        "charts": _charts(figures),
    }


def own_page(*, user: Any) -> dict[str, Any]:
    figures = exposure.of_reviewer(user)
    audit.by_user(user, "exposure.viewed", target=f"user:{user.get_username()}")
    return {
        **_context(figures),
        "whose": "Your",
        "status": activity.status_of(user),
        "breaks": activity.today_row(user),
        "rules": limits.rules_for(user),
        "optable": limits.OPTABLE_CATEGORIES,
        "may_opt_out": roles.has_role(user, *roles.REVIEW_ROLES),
    }


def team_page(*, user: Any) -> dict[str, Any]:
    figures = exposure.of_team()
    audit.by_user(user, "exposure.team_viewed", target="team")
    return {**_context(figures), "whose": "The team's", "team": True, **lookup_form()}


def lookup_form() -> dict[str, Any]:
    """What the forms for one person's figures and for the daily caps offer."""
    team_cap = limits.row_of(None)
    return {
        "reviewers": accounts.reviewers().order_by("username"),
        "reason_max": REASON_MAX,
        "team_cap": team_cap.daily_cap_minutes if team_cap else None,
        "reviewer_caps": limits.reviewer_caps(),
    }


def individual_page(*, user: Any, reviewer: str, reason: str) -> dict[str, Any]:
    """One person's figures for a lead, who must say why (FieldRefused names the field)."""
    reason = reason.strip()
    person = get_user_model().objects.filter(username=reviewer).first()
    if person is None or not accounts.reviewers().filter(pk=person.pk).exists():
        raise FieldRefused("reviewer", "not a reviewer's username")
    if not reason:
        raise FieldRefused("reason", "say why you need this person's figures")
    if len(reason) > REASON_MAX:
        raise FieldRefused("reason", f"at most {REASON_MAX} characters")
    figures = exposure.of_reviewer(person)
    audit.by_user(
        user,
        "exposure.individual_viewed",
        target=f"user:{person.get_username()}",
        data={"reason": reason},
    )
    return {
        **_context(figures),
        **lookup_form(),
        "whose": f"{person.get_username()}'s",
        "person": person,
        "reason": reason,
    }
