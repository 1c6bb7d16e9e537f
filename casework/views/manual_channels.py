"""The manual channel's page: the prepared referral with a copy button per field, a link to
the hotline's form, and the form that records the hotline's reference."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases.errors import CaseActionRefused
from casework.escalation import manual
from casework.escalation.models import Escalation
from casework.views.decorators import role_required


@require_GET
@never_cache
@role_required(*roles.LEAD_ROLES)
def referral(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _page(request, escalation_id)


@require_POST
@role_required(*roles.LEAD_ROLES)
def record_reference(request: HttpRequest, escalation_id: int) -> HttpResponse:
    if not Escalation.objects.filter(pk=escalation_id).exists():
        raise Http404("No such escalation.")
    try:
        escalation = manual.record_reference(
            escalation_id=escalation_id,
            lead=request.user,
            reference=request.POST.get("reference", ""),
        )
    except ValueError as bad:
        return _page(request, escalation_id, error=str(bad), status=400)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("escalation-manual", escalation_id=escalation_id)
    messages.success(
        request, f"Reference {escalation.hotline_id} recorded: the referral is finished."
    )
    return redirect("case", case_id=escalation.case_id)


def _page(request: HttpRequest, escalation_id: int, error: str = "", status: int = 200):
    try:
        found = manual.referral_for(escalation_id=escalation_id, user=request.user)
    except Escalation.DoesNotExist as exc:
        raise Http404("No such escalation.") from exc
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("escalations")
    context = {"r": found, "e": found.escalation, "error": error}
    return render(request, "casework/escalation_manual.html", context, status=status)
