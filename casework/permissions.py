"""Who may do what: one predicate per capability. Every view, template flag and action asks
these, so a page never offers what the action would refuse (or the other way round)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from casework import roles
from casework.models import Case, Decision, Queue


def holds_case(case: Case, user: Any, now: datetime | None = None) -> bool:
    """The user holds the case under an unexpired lease."""
    now = now or timezone.now()
    return (
        case.holder_id == user.pk
        and case.lease_expires_at is not None
        and case.lease_expires_at > now
    )


def is_held(case: Case, now: datetime | None = None) -> bool:
    """Someone holds the case under an unexpired lease."""
    now = now or timezone.now()
    return case.holder_id is not None and (
        case.lease_expires_at is None or case.lease_expires_at > now
    )


def may_claim(case: Case, user: Any) -> bool:
    """An open case nobody holds, in a queue the user's role works."""
    return (
        case.status in Case.OPEN_STATUSES
        and not is_held(case)
        and roles.has_role(user, *roles.REVIEW_ROLES)
        and may_work_queue(user, case.queue)
    )


def may_work_queue(user: Any, queue: Queue) -> bool:
    return roles.has_role(user, *queue.roles)


def may_decide(case: Case, user: Any) -> bool:
    """Only the reviewer holding a case in review decides it."""
    return case.status == Case.Status.IN_REVIEW and holds_case(case, user)


def may_look_closely(case: Case, user: Any) -> bool:
    """May this user reveal or inspect the case's media now?"""
    if roles.has_role(user, roles.ESCALATION_LEAD) and case.status in (
        Case.Status.AWAITING_APPROVAL,
        Case.Status.APPROVED,
        Case.Status.ESCALATING,
        Case.Status.ESCALATED,
    ):
        return True  # the second pair of eyes must be able to check
    return roles.has_role(user, *roles.REVIEW_ROLES) and holds_case(case, user)


def may_approve(case: Case, user: Any, decision: Decision | None) -> bool:
    """Four eyes: an escalation lead other than the one who made the pending decision."""
    return (
        case.status == Case.Status.AWAITING_APPROVAL
        and may_lead(user)
        and decision is not None
        and decision.decided_by_id != user.pk
    )


def may_lead(user: Any) -> bool:
    """Approve and return decisions, reassign, merge and split cases."""
    return roles.has_role(user, *roles.LEAD_ROLES)


def may_export_evidence(user: Any) -> bool:
    """Download a case's evidence package for law enforcement: the decrypted evidence."""
    return roles.has_role(user, *roles.LEAD_ROLES)


def may_reassign(user: Any) -> bool:
    return roles.has_role(user, roles.ESCALATION_LEAD, roles.ADMIN)


def may_see_previews(user: Any) -> bool:
    return roles.has_role(user, *roles.PREVIEW_ROLES)


def may_read_audit(user: Any) -> bool:
    return roles.has_role(user, *roles.AUDIT_ROLES)


def may_see_stats(user: Any) -> bool:
    """The metrics page: team figures, for leads and admins (no per-reviewer figures)."""
    return roles.has_role(user, *roles.LEAD_ROLES, roles.ADMIN)
