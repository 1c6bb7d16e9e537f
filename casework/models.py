"""Casework's own records. The audit log comes first: everything else writes to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only entry: who did what to what, and when.

    Events are written inside the transaction of the change they record, without waiting on
    each other; an AuditSeal then chains each one. The database refuses UPDATE and DELETE.
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

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor} {self.action} {self.target}"


class AuditSeal(models.Model):
    """An event's place in the one hash chain: SHA-256 over the event's content and the
    previous seal's hash, so editing or removing any event breaks every seal after it.
    Append-only like the events; the seal's id is the chain order."""

    event = models.OneToOneField(
        AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="seal"
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"seal {self.pk} of event {self.event_id}"


class Queue(models.Model):
    """Where cases wait for review; which reports land here and who may work them."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    reasons = models.JSONField(default=list, blank=True, help_text="Report reasons; empty: any")
    sources = models.JSONField(default=list, blank=True, help_text="Report sources; empty: any")
    jurisdictions = models.JSONField(default=list, blank=True, help_text="Empty: any")
    roles = models.JSONField(default=list, help_text="Roles that may claim from this queue")
    deadline_hours = models.PositiveIntegerField(default=24)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Routing order: a report goes to the first queue that takes it"
    )

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class CaseStatus(models.TextChoices):
    NEW = "new"
    IN_REVIEW = "in_review"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    ESCALATING = "escalating"  # approved; a hotline report is still outstanding
    ESCALATED = "escalated"  # every hotline has its report
    CLOSED = "closed"


# Open: waiting in its queue or being reviewed; claimable when no lease holds it. (Outside
# the class so that the index conditions below can name it.)
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_REVIEW)
IS_OPEN = models.Q(status__in=list(OPEN_STATUSES))


class Case(models.Model):
    """Reports about the same content, reviewed once."""

    Status = CaseStatus
    OPEN_STATUSES = OPEN_STATUSES

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.IntegerField(default=0)
    deadline_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was closed: the evidence's keeping starts"
    )
    verdict = models.CharField(max_length=24, blank=True)
    # Why the case is where it is and how urgent, as the list and the case page explain it.
    priority_reasons = models.JSONField(default=list, blank=True)
    routing_reason = models.CharField(max_length=300, blank=True)
    # Copied from the case's reports at filing, so that a case list filters without joins.
    source = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=24, blank=True)
    jurisdiction = models.CharField(max_length=2, blank=True)
    matched_lists = models.JSONField(default=list, blank=True)
    matched = models.BooleanField(default=False)
    has_video = models.BooleanField(default=False)
    ai_marker = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # the case list in priority order, any status: keyset paging on
            # (-priority, created_at, id) as one row comparison
            models.Index(
                "queue",
                models.F("priority") * -1,
                "created_at",
                "id",
                name="case_list_priority_idx",
            ),
            # the case list's rare filters and their counts: without these, a filter that
            # few open cases pass walks the whole queue to find them
            *(
                models.Index(
                    "queue",
                    "created_at",
                    name=f"case_open_{flag}_idx",
                    condition=IS_OPEN & models.Q(**{flag: True}),
                )
                for flag in ("matched", "has_video", "ai_marker")
            ),
            *(
                models.Index(
                    "queue",
                    column,
                    "created_at",
                    name=f"case_open_{column}_idx",
                    condition=IS_OPEN,
                )
                for column in ("source", "reason", "jurisdiction")
            ),
            # a lead's "held by" filter: few cases are held at any time
            models.Index(
                fields=["holder"], name="case_holder_idx", condition=models.Q(holder__isnull=False)
            ),
            # claim-next: the open cases of a queue, best first
            models.Index(
                fields=["queue", "-priority", "created_at"],
                name="case_claimable_idx",
                condition=IS_OPEN,
            ),
            # the queue page: oldest open case, open count, deadline breaches, approvals
            models.Index(
                fields=["queue", "created_at"],
                name="case_open_age_idx",
                condition=IS_OPEN,
            ),
            models.Index(
                fields=["queue", "deadline_at"],
                name="case_open_deadline_idx",
                condition=IS_OPEN,
            ),
            models.Index(
                fields=["queue"],
                name="case_awaiting_idx",
                condition=models.Q(status=CaseStatus.AWAITING_APPROVAL),
            ),
            # the metrics page: cases opened, and deadlines passing, in a time range
            models.Index(fields=["created_at"], name="case_created_idx"),
            models.Index(fields=["deadline_at"], name="case_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"


class CaseReport(models.Model):
    """A report's place in a case (each report is in exactly one)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="case_reports")
    report = models.OneToOneField(
        "reports.Report", on_delete=models.PROTECT, related_name="case_link"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Report {self.report_id} in case {self.case_id}"


class CaseContent(models.Model):
    """A content hash a case covers, so later reports of the same content join it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contents")
    sha256 = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… in case {self.case_id}"


class Decision(models.Model):
    """A reviewer's decision on a case, kept even when an approver returns the case."""

    class Verdict(models.TextChoices):
        CSAM_CONFIRMED = "csam_confirmed", "CSAM confirmed"
        CSAM_SUSPECTED = "csam_suspected", "CSAM suspected (needs second review)"
        NOT_CSAM = "not_csam", "Not CSAM"
        OTHER_VIOLATION = "other_violation", "Other violation"
        INSUFFICIENT_INFORMATION = "insufficient_information", "Insufficient information"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    verdict = models.CharField(max_length=24, choices=Verdict.choices)
    media_labels = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per media id: industry classification, IWF category, file annotations",
    )
    incident_type = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [
            # the metrics page: verdicts, approvals and returns in a time range
            models.Index(fields=["decided_at"], name="decision_decided_idx"),
            models.Index(
                fields=["approved_at"],
                name="decision_approved_idx",
                condition=models.Q(approved_at__isnull=False),
            ),
            models.Index(
                fields=["returned_at"],
                name="decision_returned_idx",
                condition=models.Q(returned_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on case {self.case_id}"


class Skip(models.Model):
    """A reviewer passed on a case; it is not offered to them again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Skip of case {self.case_id} by user {self.user_id}"


class LoginFailure(models.Model):
    """A failed sign-in, counted to slow down password guessing."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at}"


class OidcIdentity(models.Model):
    """The person an identity provider vouches for: (issuer, subject) is who they are there,
    whatever they are called; `user` is who they are in Casework."""

    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


# The escalation outbox lives with its logic; defined here so that Django finds it.
from casework.cases.view_settings_model import ViewSettings  # noqa: E402
from casework.escalation.models import (  # noqa: E402
    Escalation,
    EscalationAttempt,
    EscalationDocument,
    EscalationFile,
)
from casework.escalation.webhook_models import WebhookAttempt, WebhookDelivery  # noqa: E402
from casework.preservation.models import LegalHold  # noqa: E402
from casework.wellbeing.models import ReviewDay, ReviewLimits, SupportResource  # noqa: E402

__all__ = [
    "AuditEvent",
    "AuditSeal",
    "Case",
    "CaseContent",
    "CaseReport",
    "Decision",
    "Escalation",
    "EscalationAttempt",
    "EscalationDocument",
    "EscalationFile",
    "LegalHold",
    "LoginFailure",
    "OidcIdentity",
    "Queue",
    "ReviewDay",
    "ReviewLimits",
    "Skip",
    "SupportResource",
    "ViewSettings",
    "WebhookAttempt",
    "WebhookDelivery",
]
