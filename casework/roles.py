"""The people who work in Casework, as Django groups."""

from __future__ import annotations

REVIEWER = "reviewer"
ESCALATION_LEAD = "escalation_lead"
AUDITOR = "auditor"
ADMIN = "admin"

ROLES = (REVIEWER, ESCALATION_LEAD, AUDITOR, ADMIN)
# Who works cases (a new queue's default), who leads, who reads the audit log, and who may
# see blurred previews of evidence.
REVIEW_ROLES = (REVIEWER, ESCALATION_LEAD)
LEAD_ROLES = (ESCALATION_LEAD,)
AUDIT_ROLES = (AUDITOR, ADMIN)
PREVIEW_ROLES = (REVIEWER, ESCALATION_LEAD, ADMIN)


def has_role(user, *roles: str) -> bool:
    """True if the user is active and in one of the roles (superusers count as admin)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser and ADMIN in roles:
        return True
    # One query per request, not one per check: the user object lives for one request.
    names = getattr(user, "_casework_roles", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._casework_roles = names
    return bool(names & set(roles))
