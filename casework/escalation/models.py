"""The escalation outbox: one row per approved case and hotline, written in the approval's
own transaction, then driven step by step by the worker. Every attempt, every document sent
and every receipt is kept. (Imported by casework.models, so Django finds these models.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from reports.api import SealedTextField


class EscalationState(models.TextChoices):
    PENDING = "pending"  # written at approval; nothing sent yet
    SENDING = "sending"  # steps under way (a report may be open at the hotline)
    SUBMITTED = "submitted"  # the hotline gave its report id; files and finish to come
    FINISHED = "finished"  # the hotline has the finished report
    NEEDS_ATTENTION = "needs_attention"  # stopped: a lead must retry or retract
    RETRACTED = "retracted"  # withdrawn by a lead before it was finished
    # A manual channel: the referral is prepared; a lead submits it through the hotline's
    # own form and records its reference. A state of its own (not pending with a flag) so
    # that the outbox's due query, index and sweep can never pick it up.
    AWAITING_REFERENCE = "awaiting_reference"


OUTSTANDING_STATES = (
    EscalationState.PENDING,
    EscalationState.SENDING,
    EscalationState.SUBMITTED,
    EscalationState.NEEDS_ATTENTION,
    EscalationState.AWAITING_REFERENCE,
)
IS_DUE = models.Q(
    state__in=[EscalationState.PENDING, EscalationState.SENDING, EscalationState.SUBMITTED]
)


class Escalation(models.Model):
    """A case on its way to one hotline: exactly one finished report at the end."""

    State = EscalationState

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="escalations")
    target = models.CharField(max_length=20, help_text="The hotline: ncmec, …")
    state = models.CharField(
        max_length=20, choices=EscalationState.choices, default=EscalationState.PENDING
    )
    why = models.CharField(max_length=300, help_text="The routing rule or the lead's reason")
    include_account_files = models.BooleanField(
        default=False, help_text="Also report the same account's other confirmed files"
    )
    hotline_id = models.CharField(max_length=64, blank=True, help_text="The hotline's report id")
    # The step whose request may have reached the hotline without its answer being recorded:
    # set (and committed) before each request, cleared with the answer.
    step_in_flight = models.CharField(max_length=80, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True, help_text="Why it stopped, for the lead")
    # Reports opened at the hotline and given up (an answer lost, an upload in doubt): each
    # {"report_id": str or "", "why": str, "at": iso, "retracted": bool}.
    abandoned = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A manual channel's last reminder while it awaits the hotline's reference.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "target"], name="escalation_one_per_target")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="escalation_due_idx", condition=IS_DUE),
            models.Index(fields=["state", "finished_at"], name="escalation_state_idx"),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} of case {self.case_id} to {self.target}"

    @property
    def outstanding(self) -> bool:
        return self.state in OUTSTANDING_STATES


class EscalationFile(models.Model):
    """A file of the escalation's report and how far it got: uploaded (the hotline's file id)
    and described (its file details accepted)."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="files")
    key = models.CharField(max_length=64, help_text="media:ID or text:report:ID")
    name = models.CharField(max_length=255)
    md5 = models.CharField(max_length=32, blank=True)
    file_id = models.CharField(max_length=64, blank=True)
    report_id = models.CharField(max_length=64, blank=True, help_text="The report it went to")
    uploaded_at = models.DateTimeField(null=True, blank=True)
    described_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "key"], name="escalation_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} of escalation {self.escalation_id}"


class EscalationAttempt(models.Model):
    """One request to the hotline and what came back."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    step = models.CharField(max_length=80)
    outcome = models.CharField(max_length=16)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_code = models.IntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.step} {self.outcome} ({self.http_status}/{self.response_code})"


class EscalationDocument(models.Model):
    """A document exactly as sent, or a receipt exactly as received."""

    class Direction(models.TextChoices):
        SENT = "sent"
        RECEIVED = "received"

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="documents")
    attempt = models.ForeignKey(
        EscalationAttempt, null=True, on_delete=models.PROTECT, related_name="documents"
    )
    at = models.DateTimeField(auto_now_add=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    body = SealedTextField(help_text="Sealed: it names the uploader and the victim")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.name}"


class RoutingRule(models.Model):
    """One admin-edited rule of which hotlines an approved case goes to. A rule matches when
    every condition it sets holds (an empty list or "any": no condition); every matching,
    enabled rule adds its target, the first one (by position) naming why."""

    class Reachable(models.TextChoices):
        ANY = "any"
        YES = "yes", "yes: a report carries a content URL"
        NO = "no", "no: no report carries a content URL"

    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200, help_text="Shown to the approving lead")
    jurisdictions = models.JSONField(
        default=list, blank=True, help_text='ISO codes, e.g. ["US"]; empty: any'
    )
    service_countries = models.JSONField(
        default=list, blank=True, help_text='SERVICE_COUNTRY among these, e.g. ["GB"]; empty: any'
    )
    publicly_reachable = models.CharField(
        max_length=3, choices=Reachable.choices, default=Reachable.ANY
    )
    reasons = models.JSONField(default=list, blank=True, help_text="Report reasons; empty: any")
    target = models.CharField(max_length=20, help_text="The hotline: ncmec, nca, iwf, …")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.description} → {self.target}"
