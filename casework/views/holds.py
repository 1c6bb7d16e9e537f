"""Legal holds on a case, placed and lifted by admins with a reason (casework.preservation
.holds decides and audits; an empty reason is answered 400 naming `reason`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from casework import roles
from casework.cases.errors import CaseActionRefused, FieldRefused
from casework.models import LegalHold
from casework.preservation import holds
from casework.views.decorators import existing_case, role_required


def _refused(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain")


@require_POST
@role_required(roles.ADMIN)
@existing_case
def place_hold(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        hold = holds.place_hold(
            case_id=case_id, admin=request.user, reason=request.POST.get("reason", "")
        )
    except FieldRefused as bad:
        return _refused(400, str(bad))
    messages.success(request, f"Legal hold {hold.pk} placed: nothing of case {case_id} is purged.")
    return redirect("case", case_id=case_id)


@require_POST
@role_required(roles.ADMIN)
@existing_case
def lift_hold(request: HttpRequest, case_id: int, hold_id: int) -> HttpResponse:
    try:
        hold = holds.lift_hold(
            case_id=case_id,
            hold_id=hold_id,
            admin=request.user,
            reason=request.POST.get("reason", ""),
        )
    except LegalHold.DoesNotExist as exc:
        raise Http404("No such legal hold on this case.") from exc
    except FieldRefused as bad:
        return _refused(400, str(bad))
    except CaseActionRefused as refused:
        return _refused(409, str(refused))
    messages.success(request, f"Legal hold {hold.pk} lifted.")
    return redirect("case", case_id=case_id)
