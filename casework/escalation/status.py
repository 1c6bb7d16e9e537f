"""A case's status follows its escalations: approved → escalating while any hotline report is
outstanding → escalated when every target has its report."""

from __future__ import annotations

from casework.escalation.models import OUTSTANDING_STATES, Escalation, EscalationState
from casework.models import Case


def settle_case(case_id: int) -> str:
    """Set the case's status from its escalations (inside the caller's transaction)."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status not in (Case.Status.APPROVED, Case.Status.ESCALATING, Case.Status.ESCALATED):
        return case.status
    states = set(Escalation.objects.filter(case_id=case_id).values_list("state", flat=True))
    if states & set(OUTSTANDING_STATES):
        wanted = Case.Status.ESCALATING
    elif EscalationState.FINISHED in states:
        wanted = Case.Status.ESCALATED
    else:
        wanted = Case.Status.APPROVED
    if case.status != wanted:
        case.status = wanted
        case.save(update_fields=["status", "updated_at"])
    return wanted
