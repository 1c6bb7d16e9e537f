"""Legal holds (imported by casework.models, so Django finds the model)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LegalHold(models.Model):
    """An admin's order to keep a case's evidence whatever its dates say, until lifted."""

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(
                fields=["case"],
                name="legal_hold_active_idx",
                condition=models.Q(lifted_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk} on case {self.case_id}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None
