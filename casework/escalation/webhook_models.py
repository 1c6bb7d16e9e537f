"""The webhook outbox: one row per event (a verdict recorded, approved or returned), written
in that decision's own transaction, then delivered by the worker with retries and backoff.
Every attempt is kept. (Imported by casework.models, so Django finds these models.)

Not the Escalation model: that is one row per case and target, with a hotline report's
states, and a case's status follows it; a case has several webhook events (a verdict,
its approval or return, a new verdict after a return), each delivered once, none of which
says anything about the case's escalation to hotlines.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import models

from reports.api import SealedTextField


class WebhookState(models.TextChoices):
    PENDING = "pending"  # written with the decision; not yet delivered
    DELIVERED = "delivered"  # the receiver answered 2xx (or 409: it already had it)
    NEEDS_ATTENTION = "needs_attention"  # stopped: refused, or too many failures in a row


class WebhookDelivery(models.Model):
    """One event on its way to the webhook: delivered once, retried until then."""

    State = WebhookState

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=32, help_text="verdict.recorded, verdict.approved, …")
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    decision = models.ForeignKey("casework.Decision", on_delete=models.PROTECT, related_name="+")
    body = SealedTextField(
        help_text="The event's JSON exactly as sent; sealed: it holds the reports' external ids"
    )
    state = models.CharField(
        max_length=16, choices=WebhookState.choices, default=WebhookState.PENDING
    )
    failures = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.event} {self.event_id} of case {self.case_id}"

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookAttempt(models.Model):
    """One POST to the webhook and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.http_status})"
