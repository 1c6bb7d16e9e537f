"""What people do with escalations: open them with the approval (the outbox rows, in the
approval's transaction), retry or retract one that needs attention, read the documents sent
and received, preview what would be sent. Every one of these is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework import audit, hotlines, permissions
from casework.cases.errors import CaseActionRefused
from casework.escalation import facts as gathering
from casework.escalation import queueing, routing, status
from casework.escalation.models import Escalation, EscalationDocument, EscalationState
from casework.hotlines import Document
from casework.models import Case, Decision


def open_escalations(
    *,
    case: Case,
    decision: Decision,
    lead: Any,
    targets: list[str] | None,
    reason: str = "",
    include_account_files: bool = False,
) -> list[Escalation]:
    """Write one escalation per target inside the approval's transaction; refuse the
    approval, naming what is missing, if a target's report would be incomplete."""
    routed = {r.target: r.why for r in routing.routed_targets(case)}
    chosen = list(routed) if targets is None else list(dict.fromkeys(targets))
    unknown = set(chosen) - set(hotlines.TARGETS)
    if unknown:
        raise CaseActionRefused(f"Unknown hotline: {', '.join(sorted(unknown))}.")
    changed = set(chosen) != set(routed)
    if changed and not reason.strip():
        raise CaseActionRefused("Say why you add or remove a hotline from the routed targets.")
    for target in chosen:
        _check_complete(case, target, include_account_files)
    escalations = [
        Escalation.objects.create(
            case=case,
            target=target,
            why=routed.get(target) or f"added by {lead.get_username()}: {reason.strip()}",
            include_account_files=include_account_files,
            created_by=lead,
            # A manual channel waits for a lead, not for the outbox (casework.escalation.manual).
            state=(
                EscalationState.AWAITING_REFERENCE
                if hotlines.is_manual(target)
                else EscalationState.PENDING
            ),
        )
        for target in chosen
    ]
    audit.by_user(
        lead,
        "escalation.opened",
        target=f"case:{case.pk}",
        data={
            "decision": decision.pk,
            "targets": chosen,
            "routed": sorted(routed),
            "removed": sorted(set(routed) - set(chosen)),
            "added": sorted(set(chosen) - set(routed)),
            "reason": reason.strip(),
            "include_account_files": include_account_files,
        },
    )
    status.settle_case(case.pk)
    for escalation in escalations:
        if escalation.state == EscalationState.AWAITING_REFERENCE:
            continue
        transaction.on_commit(lambda pk=escalation.pk: queueing.enqueue(pk))
    return escalations


def _check_complete(case: Case, target: str, include_account_files: bool) -> None:
    hotline = hotlines.connect(target)
    try:
        facts = gathering.case_facts(
            case, target=target, include_account_files=include_account_files
        )
        problems = hotline.problems(facts)
    finally:
        hotline.close()
    if problems:
        raise CaseActionRefused(
            f"The {hotlines.target_label(target)} report would be incomplete: "
            + "; ".join(problems)
        )


def preview_documents(*, case_id: int, target: str, actor: str) -> tuple[list[Document], list[str]]:
    """The exact documents that would be sent now, and what would make the report
    incomplete; sends nothing, changes no case."""
    case = Case.objects.get(pk=case_id)
    hotline = hotlines.connect(target)
    try:
        facts = gathering.case_facts(case, target=target)
        documents, problems = hotline.preview(facts), hotline.problems(facts)
    finally:
        hotline.close()
    audit.record(
        "escalation.previewed", actor=actor, target=f"case:{case.pk}", data={"target": target}
    )
    return documents, problems


def retry(*, escalation_id: int, lead: Any) -> Escalation:
    """A lead sends a stopped escalation again, from where it stopped."""
    _require_lead(lead)
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        if escalation.state != EscalationState.NEEDS_ATTENTION:
            raise CaseActionRefused("Only an escalation that needs attention can be retried.")
        escalation.state = (
            EscalationState.SUBMITTED if escalation.hotline_id else EscalationState.SENDING
        )
        escalation.failures = 0
        escalation.next_attempt_at = None
        problem, escalation.problem = escalation.problem, ""
        escalation.save(
            update_fields=["state", "failures", "next_attempt_at", "problem", "updated_at"]
        )
        audit.by_user(
            lead,
            "escalation.retried",
            target=f"case:{escalation.case_id}",
            data={"escalation": escalation.pk, "target": escalation.target, "problem": problem},
        )
        status.settle_case(escalation.case_id)
        transaction.on_commit(lambda: queueing.enqueue(escalation.pk))
    return escalation


def retract(*, escalation_id: int, lead: Any, reason: str) -> Escalation:
    """A lead withdraws an escalation before it is finished; an open hotline report is
    retracted by the worker."""
    _require_lead(lead)
    if not reason.strip():
        raise CaseActionRefused("Say why the escalation is retracted.")
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        if escalation.state in (EscalationState.FINISHED, EscalationState.RETRACTED):
            raise CaseActionRefused("A finished or retracted escalation cannot be retracted.")
        if escalation.hotline_id:
            escalation.abandoned = [
                *escalation.abandoned,
                {
                    "report_id": escalation.hotline_id,
                    "why": f"retracted by {lead.get_username()}: {reason.strip()}",
                    "at": timezone.now().isoformat(),
                    "retracted": False,
                },
            ]
        escalation.state = EscalationState.RETRACTED
        escalation.problem = reason.strip()
        escalation.next_attempt_at = None
        escalation.failures = 0
        escalation.save()
        audit.by_user(
            lead,
            "escalation.retracted",
            target=f"case:{escalation.case_id}",
            data={
                "escalation": escalation.pk,
                "target": escalation.target,
                "report_id": escalation.hotline_id,
                "reason": reason.strip(),
            },
        )
        status.settle_case(escalation.case_id)
        transaction.on_commit(lambda: queueing.enqueue(escalation.pk))
    return escalation


def read_document(*, document_id: int, user: Any) -> EscalationDocument:
    """A document sent or a receipt received, for download; audited."""
    if not permissions.may_lead(user) and not permissions.may_read_audit(user):
        raise CaseActionRefused("Only escalation leads and auditors read hotline documents.")
    document = EscalationDocument.objects.select_related("escalation").get(pk=document_id)
    audit.by_user(
        user,
        "escalation.document_downloaded",
        target=f"case:{document.escalation.case_id}",
        data={"document": document.pk, "name": document.name, "direction": document.direction},
    )
    return document


def _require_lead(user: Any) -> None:
    if not permissions.may_lead(user):
        raise CaseActionRefused("Only escalation leads retry or retract escalations.")
