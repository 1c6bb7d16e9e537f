"""The decorators every casework view is made of: who may open it, that its case exists,
and a refused action turned into a message on the case page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework import roles
from casework.cases.errors import CaseActionRefused
from casework.models import Case

View = Callable[..., HttpResponse]


def role_required(*allowed: str) -> Callable[[View], View]:
    """Anonymous users go to the sign-in page; signed-in users without the role get a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.has_role(request.user, *allowed):
                return render(request, "casework/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


def existing_case(view: View) -> View:
    """404 for a case id that does not exist, before any action is tried."""

    @wraps(view)
    def wrapper(request: HttpRequest, case_id: int, *args, **kwargs) -> HttpResponse:
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("No such case.")
        return view(request, case_id, *args, **kwargs)

    return wrapper


def case_action(*allowed: str) -> Callable[[View], View]:
    """A POST that acts on one case: only for these roles, 404 for a missing case, and an
    action's refusal shown as a message back on the case page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def refusal_to_message(request: HttpRequest, case_id: int, *args, **kwargs):
            try:
                return view(request, case_id, *args, **kwargs)
            except CaseActionRefused as refused:
                messages.error(request, str(refused))
                return redirect("case", case_id=case_id)

        return require_POST(role_required(*allowed)(existing_case(refusal_to_message)))

    return decorator
