"""Who may open which page: every casework view names its roles with @role_required."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework import roles

ALL_ROLES = roles.ROLES
REVIEW_ROLES = (roles.REVIEWER, roles.ESCALATION_LEAD)
LEAD_ROLES = (roles.ESCALATION_LEAD,)


def role_required(*allowed: str) -> Callable:
    """Anonymous users go to the sign-in page; signed-in users without the role get a 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.has_role(request.user, *allowed):
                return render(request, "casework/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # read by the role matrix test
        return wrapper

    return decorator
