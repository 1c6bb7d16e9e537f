"""What the wellbeing rules keep: each reviewer's active CSAM review per day (for the break
prompt and the daily cap), and the limits a lead sets and the opt-outs a reviewer chooses.
(Imported by casework.models, so Django finds these models.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce


class ReviewDay(models.Model):
    """One reviewer's day of CSAM review, counted from the case page's activity heartbeats
    (the lease renewals it sends at most once a minute while the reviewer is active)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    day = models.DateField()
    active_seconds = models.PositiveIntegerField(default=0)
    since_break_seconds = models.PositiveIntegerField(default=0)
    last_active_at = models.DateTimeField(null=True, blank=True)
    breaks_taken = models.PositiveSmallIntegerField(default=0)
    breaks_dismissed = models.PositiveSmallIntegerField(default=0)
    on_break_until = models.DateTimeField(null=True, blank=True)
    prompt_after = models.DateTimeField(
        null=True, blank=True, help_text="A dismissed prompt is not shown again before this"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="review_day_one_per_user_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}"


class ReviewLimits(models.Model):
    """The row without a user holds the team's daily cap; a user's row their own cap (set by
    a lead; empty means the team's) and their opt-outs (chosen by them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    daily_cap_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes of active CSAM review a day; empty: no cap"
    )
    opt_out_video = models.BooleanField(default=False)
    opt_out_categories = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Coalesce("user", Value(0)), name="review_limits_one_per_user")
        ]

    def __str__(self) -> str:
        return f"Review limits of {self.user or 'the team'}"


class SupportResource(models.Model):
    """A place a reviewer can turn to (counselling, a helpline, the team's wellbeing lead),
    set up by admins and listed on the resources page linked from every screen."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    contact = models.CharField(max_length=200, blank=True, help_text="Phone, email or hours")
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
