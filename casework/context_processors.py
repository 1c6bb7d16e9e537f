from django.http import HttpRequest

from casework import permissions, roles
from casework.escalation import selectors as escalation_selectors


def user_roles(request: HttpRequest) -> dict[str, object]:
    """What the navigation may offer this user, and, for leads and admins, how many
    escalations and webhook events need attention (a failure is never silent)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may_read_audit": False, "sees_stats": False, "sees_previews": False}
    watches_escalations = roles.has_role(user, *roles.LEAD_ROLES, roles.ADMIN)
    escalations, webhooks, referrals = (
        escalation_selectors.attention_counts() if watches_escalations else (0, 0, 0)
    )
    return {
        "may_read_audit": permissions.may_read_audit(user),
        "watches_escalations": watches_escalations,
        "sees_stats": permissions.may_see_stats(user),
        "sees_previews": roles.has_role(user, *roles.PREVIEW_ROLES),
        "escalations_needing_attention": escalations,
        "webhooks_needing_attention": webhooks,
        "referrals_overdue": referrals,
    }
