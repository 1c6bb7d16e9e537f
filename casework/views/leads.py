"""What escalation leads do from the case page: approve or return a decision, reassign,
merge and split cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from casework import roles
from casework.cases import decisions, lead_operations
from casework.cases.errors import CaseActionRefused
from casework.models import Case
from casework.views.decorators import case_action


@case_action(*roles.LEAD_ROLES)
def approve(request: HttpRequest, case_id: int) -> HttpResponse:
    decisions.approve_decision(
        case_id=case_id,
        lead=request.user,
        targets=request.POST.getlist("targets"),
        reason=request.POST.get("targets_reason", ""),
        include_account_files=request.POST.get("include_account_files") == "on",
    )
    messages.success(request, f"Case {case_id} approved.")
    return redirect("case", case_id=case_id)


@case_action(*roles.LEAD_ROLES)
def return_case(request: HttpRequest, case_id: int) -> HttpResponse:
    decisions.return_decision(
        case_id=case_id, lead=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, f"Case {case_id} returned to review.")
    return redirect("case", case_id=case_id)


@case_action(*roles.LEAD_ROLES)
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    target = get_user_model().objects.filter(pk=request.POST.get("user") or 0).first()
    if target is None:
        raise CaseActionRefused("Choose a reviewer.")
    lead_operations.reassign_case(case_id=case_id, lead=request.user, to_user=target)
    messages.success(request, f"Case {case_id} reassigned to {target.get_username()}.")
    return redirect("case", case_id=case_id)


@case_action(*roles.LEAD_ROLES)
def merge(request: HttpRequest, case_id: int) -> HttpResponse:
    into = request.POST.get("into", "")
    if not (into.isascii() and into.isdigit()) or not Case.objects.filter(pk=int(into)).exists():
        raise CaseActionRefused("Give the number of an existing case.")
    target = lead_operations.merge_cases(lead=request.user, case_id=case_id, into_id=int(into))
    messages.success(request, f"Case {case_id} merged into case {target.pk}.")
    return redirect("case", case_id=target.pk)


@case_action(*roles.LEAD_ROLES)
def split(request: HttpRequest, case_id: int) -> HttpResponse:
    report_ids = [int(r) for r in request.POST.getlist("reports") if r.isascii() and r.isdigit()]
    new = lead_operations.split_case(lead=request.user, case_id=case_id, report_ids=report_ids)
    messages.success(request, f"Reports {report_ids} split off into case {new.pk}.")
    return redirect("case", case_id=new.pk)
