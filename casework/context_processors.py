from django.http import HttpRequest

from casework import permissions


def user_roles(request: HttpRequest) -> dict[str, bool]:
    """What the navigation may offer this user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may_read_audit": False}
    return {"may_read_audit": permissions.may_read_audit(user)}
