"""Manual channels, the people's side: a lead reads the prepared referral (audited), submits
it through the hotline's form and records the hotline's reference, which finishes the
escalation; reminders while a referral awaits its reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit, hotlines, permissions
from casework.cases.errors import CaseActionRefused
from casework.escalation import facts as gathering
from casework.escalation import status
from casework.escalation.models import Escalation, EscalationFile, EscalationState
from casework.hotlines import manual
from casework.preservation.escalated import preserve_escalated

REMINDER_ACTOR = "system:escalation-reminders"
MAX_REFERENCE = 64  # Escalation.hotline_id


@dataclass(frozen=True)
class Referral:
    escalation: Escalation
    label: str
    fields: list[manual.Field]
    problems: list[str]
    form_url: str
    form_setting: str


def interval() -> timedelta:
    return timedelta(hours=settings.ESCALATION_MANUAL_REMINDER_HOURS)


def referral_for(*, escalation_id: int, user: Any) -> Referral:
    """The referral as the lead copies it into the hotline's form; reading it is audited."""
    _require_lead(user)
    escalation = Escalation.objects.select_related("case").get(pk=escalation_id)
    if not hotlines.is_manual(escalation.target):
        raise CaseActionRefused("This hotline is reached through its API, not by hand.")
    facts = gathering.case_facts(
        escalation.case,
        target=escalation.target,
        include_account_files=escalation.include_account_files,
    )
    channel = manual.ManualChannel(escalation.target)
    url, setting = manual.form_url(escalation.target)
    audit.by_user(
        user,
        "escalation.referral_viewed",
        target=f"case:{escalation.case_id}",
        data={"escalation": escalation.pk, "target": escalation.target},
    )
    return Referral(
        escalation=escalation,
        label=hotlines.target_label(escalation.target),
        fields=manual.referral(escalation.target, facts),
        problems=channel.problems(facts),
        form_url=url,
        form_setting=setting,
    )


def record_reference(*, escalation_id: int, lead: Any, reference: str) -> Escalation:
    """The hotline's reference for the referral a lead submitted: the escalation is finished."""
    _require_lead(lead)
    reference = reference.strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise ValueError(f"reference must be 1 to {MAX_REFERENCE} characters")
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        if escalation.state != EscalationState.AWAITING_REFERENCE:
            raise CaseActionRefused("Only a referral awaiting its reference takes one.")
        now = timezone.now()
        escalation.state = EscalationState.FINISHED
        escalation.hotline_id = reference
        escalation.submitted_at = escalation.finished_at = now
        escalation.save(
            update_fields=["state", "hotline_id", "submitted_at", "finished_at", "updated_at"]
        )
        _record_files(escalation)
        audit.by_user(
            lead,
            "escalation.reference_recorded",
            target=f"case:{escalation.case_id}",
            data={"escalation": escalation.pk, "target": escalation.target, "reference": reference},
        )
        preserve_escalated(escalation, now)
        status.settle_case(escalation.case_id)
    return escalation


def _record_files(escalation: Escalation) -> None:
    """The files the referral named, so that their preservation is extended as for any
    hotline report and a later report of the same account knows they were referred."""
    facts = gathering.case_facts(
        escalation.case,
        target=escalation.target,
        include_account_files=escalation.include_account_files,
    )
    for file in facts.files:
        EscalationFile.objects.get_or_create(
            escalation=escalation,
            key=file.key,
            defaults={"name": file.name, "md5": file.md5, "report_id": escalation.hotline_id},
        )


def outstanding() -> list[Escalation]:
    """Referrals awaiting their reference, oldest first (the dashboard shows their age)."""
    rows = Escalation.objects.filter(state=EscalationState.AWAITING_REFERENCE)
    return list(rows.select_related("case").order_by("created_at")[:200])


def remind(now: datetime | None = None) -> int:
    """Audit a reminder for each referral awaiting its reference for longer than the interval,
    at most once per interval each; returns how many were reminded."""
    now = now or timezone.now()
    cutoff = now - interval()
    due = Escalation.objects.filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff),
        state=EscalationState.AWAITING_REFERENCE,
        created_at__lte=cutoff,
    )
    reminded = 0
    with transaction.atomic():
        for escalation in due.select_for_update(skip_locked=True).order_by("id")[:500]:
            escalation.reminded_at = now
            escalation.save(update_fields=["reminded_at"])
            hours = int((now - escalation.created_at).total_seconds() // 3600)
            audit.record(
                "escalation.reminder",
                actor=REMINDER_ACTOR,
                target=f"case:{escalation.case_id}",
                data={"escalation": escalation.pk, "target": escalation.target, "hours": hours},
            )
            reminded += 1
    return reminded


def _require_lead(user: Any) -> None:
    if not permissions.may_lead(user):
        raise CaseActionRefused("Only escalation leads submit referrals to hotlines.")
