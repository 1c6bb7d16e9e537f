"""Casework's own records. The audit log comes first: everything else writes to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only, hash-chained entry: who did what to what, and when.

    `hash` is SHA-256 over this event's content and the previous event's hash, so editing or
    removing any event breaks every hash after it. The database refuses UPDATE and DELETE.
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="user:NAME, platform:NAME or system:NAME")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=200, db_index=True, help_text="kind:id, e.g. report:42")
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor} {self.action} {self.target}"
