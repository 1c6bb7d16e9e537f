"""The daily cap a lead sets (for the team, or for one reviewer) and the opt-outs a reviewer
chooses (no video; no items matched in some categories), each change audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from casework import audit
from casework.models import ReviewLimits
from reports import api

OPTABLE_CATEGORIES = (*api.INDUSTRY_CATEGORIES, *api.IWF_CATEGORIES)


def row_of(user: Any | None) -> ReviewLimits | None:
    """The user's row, or the team's for None."""
    if user is None:
        return ReviewLimits.objects.filter(user__isnull=True).first()
    return ReviewLimits.objects.filter(user=user).first()


@dataclass(frozen=True)
class Rules:
    """What claiming honours for one reviewer."""

    cap_minutes: int | None = None
    opt_out_video: bool = False
    opt_out_categories: tuple[str, ...] = ()

    def opted_out_reports(self) -> QuerySet | None:
        """The reports opted out of, as a subquery for claiming (None: none)."""
        return api.reports_reviewers_opt_out_of(
            video=self.opt_out_video, categories=list(self.opt_out_categories)
        )


def rules_for(user: Any) -> Rules:
    """The reviewer's own cap (else the team's; None for no cap) and their opt-outs, in one
    query."""
    rows = {r.user_id: r for r in ReviewLimits.objects.filter(Q(user=user) | Q(user__isnull=True))}
    mine, team = rows.get(user.pk), rows.get(None)
    cap = mine.daily_cap_minutes if mine is not None else None
    if cap is None and team is not None:
        cap = team.daily_cap_minutes
    if mine is None:
        return Rules(cap_minutes=cap)
    return Rules(cap, mine.opt_out_video, tuple(mine.opt_out_categories))


def reviewer_caps() -> list[tuple[str, int]]:
    """(username, minutes) of every reviewer with a cap of their own."""
    rows = ReviewLimits.objects.filter(user__isnull=False, daily_cap_minutes__isnull=False)
    return list(rows.order_by("user__username").values_list("user__username", "daily_cap_minutes"))


def _saved(user: Any | None, **values: Any) -> tuple[dict, dict]:
    def save() -> tuple[dict, dict]:
        row = row_of(user) or ReviewLimits(user=user)
        old = {name: getattr(row, name) for name in values} if row.pk else {}
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        return old, values

    try:
        with transaction.atomic():
            return save()
    except IntegrityError:  # two first saves at once: the later saves over the first
        return save()


def set_cap(lead: Any, reviewer: Any | None, minutes: int | None) -> None:
    """A lead sets the team's cap (reviewer None) or one reviewer's, audited."""
    old, new = _saved(reviewer, daily_cap_minutes=minutes)
    target = f"user:{reviewer.get_username()}" if reviewer else "team"
    audit.by_user(lead, "review_limits.cap_changed", target=target, data={"old": old, "new": new})


def set_opt_outs(user: Any, *, video: bool, categories: list[str]) -> None:
    """The reviewer's own opt-outs, audited."""
    old, new = _saved(user, opt_out_video=video, opt_out_categories=sorted(categories))
    audit.by_user(
        user, "review_limits.opt_outs_changed", target=f"user:{user.get_username()}",
        data={"old": old, "new": new},
    )  # fmt: skip
