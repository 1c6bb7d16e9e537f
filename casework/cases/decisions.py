"""Decisions: the holder records a verdict; a CSAM verdict waits for a second person. Each
verdict, approval and return is announced to the webhook in its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework import audit, permissions
from casework.cases.errors import CaseActionRefused
from casework.cases.evidence import case_media_ids
from casework.cases.vocabulary import check_incident_type, clean_labels
from casework.escalation import actions as escalation_actions
from casework.escalation import webhooks
from casework.models import Case, Decision
from reports import api

NEEDS_APPROVAL = {Decision.Verdict.CSAM_CONFIRMED, Decision.Verdict.CSAM_SUSPECTED}


def record_decision(
    *,
    case_id: int,
    user: Any,
    verdict: str,
    media_labels: dict[str, dict[str, Any]] | None = None,
    incident_type: str = "",
    notes: str = "",
) -> Decision:
    """The holder decides: a CSAM verdict waits for a second person's approval; any other
    verdict closes the case."""
    if verdict not in Decision.Verdict.values:
        raise CaseActionRefused(f"Unknown verdict {verdict!r}.")
    labels = clean_labels(media_labels or {})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if not permissions.may_decide(case, user):
            raise CaseActionRefused("Claim the case before deciding it.")
        check_incident_type(incident_type)
        decision = Decision.objects.create(
            case=case,
            decided_by=user,
            verdict=verdict,
            media_labels=labels,
            incident_type=incident_type[:64],
            notes=notes,
        )
        case.status = (
            Case.Status.AWAITING_APPROVAL if verdict in NEEDS_APPROVAL else Case.Status.CLOSED
        )
        case.verdict = verdict
        case.holder = None
        case.lease_expires_at = None
        if case.status == Case.Status.CLOSED:
            case.closed_at = timezone.now()  # the evidence's keeping runs from here
        case.save(
            update_fields=[
                "status",
                "verdict",
                "holder",
                "lease_expires_at",
                "closed_at",
                "updated_at",
            ]
        )
        audit.by_user(
            user,
            "case.decided",
            target=f"case:{case.pk}",
            data={
                "decision": decision.pk,
                "verdict": verdict,
                "media_labels": labels,
                "incident_type": decision.incident_type,
                "status": case.status,
            },
        )
        if verdict == Decision.Verdict.NOT_CSAM:
            api.note_not_csam(case_media_ids(case))  # hash-list hygiene: third-party entries
        needs_approval = verdict in NEEDS_APPROVAL
        webhooks.announce(webhooks.RECORDED, case=case, decision=decision, final=not needs_approval)
    return decision


def _pending_decision(case_id: int, lead: Any) -> tuple[Case, Decision]:
    if not permissions.may_lead(lead):
        raise CaseActionRefused("Only escalation leads approve or return decisions.")
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status != Case.Status.AWAITING_APPROVAL:
        raise CaseActionRefused("This case is not awaiting approval.")
    decision = case.decisions.order_by("-decided_at").first()
    if not permissions.may_approve(case, lead, decision):
        raise CaseActionRefused("A second person must approve: you made this decision.")
    return case, decision


def approve_decision(
    *,
    case_id: int,
    lead: Any,
    targets: list[str] | None = None,
    reason: str = "",
    include_account_files: bool = False,
) -> Decision:
    """Four-eyes: a different escalation lead confirms the CSAM decision, and with it the
    hotlines the case goes to (the routed ones unless the lead chose others, with a reason):
    one escalation per target, written in this same transaction."""
    with transaction.atomic():
        case, decision = _pending_decision(case_id, lead)
        decision.approved_by = lead
        decision.approved_at = timezone.now()
        decision.save(update_fields=["approved_by", "approved_at"])
        case.status = Case.Status.APPROVED
        case.save(update_fields=["status", "updated_at"])
        added = 0
        if decision.verdict == Decision.Verdict.CSAM_CONFIRMED:
            labels = decision.media_labels
            added = api.add_confirmed(
                [int(m) for m in labels] or case_media_ids(case),
                {int(m): v.get("industry") or v.get("iwf") or "" for m, v in labels.items()},
            )
        audit.by_user(
            lead,
            "case.approved",
            target=f"case:{case.pk}",
            data={
                "decision": decision.pk,
                "verdict": decision.verdict,
                "confirmed_hashes_added": added,
            },
        )
        escalation_actions.open_escalations(
            case=case,
            decision=decision,
            lead=lead,
            targets=targets,
            reason=reason,
            include_account_files=include_account_files,
        )
        webhooks.announce(webhooks.APPROVED, case=case, decision=decision, final=True)
    return decision


def return_decision(*, case_id: int, lead: Any, reason: str) -> Decision:
    """The second person disagrees or needs more: the case goes back to review."""
    if not reason.strip():
        raise CaseActionRefused("Say why the case is returned.")
    with transaction.atomic():
        case, decision = _pending_decision(case_id, lead)
        decision.returned_by = lead
        decision.returned_at = timezone.now()
        decision.return_reason = reason.strip()
        decision.save(update_fields=["returned_by", "returned_at", "return_reason"])
        case.status = Case.Status.IN_REVIEW
        case.verdict = ""
        case.save(update_fields=["status", "verdict", "updated_at"])
        audit.by_user(
            lead,
            "case.returned",
            target=f"case:{case.pk}",
            data={"decision": decision.pk, "reason": decision.return_reason},
        )
        webhooks.announce(webhooks.RETURNED, case=case, decision=decision, final=False)
    return decision
