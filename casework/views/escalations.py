"""Escalation pages for leads: the hotline dashboard, retry and retract of an escalation that
needs attention (and of a webhook event that does), and the documents sent and receipts
received (each download audited)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases.errors import CaseActionRefused
from casework.escalation import actions, selectors, webhooks
from casework.escalation.models import Escalation, EscalationDocument
from casework.escalation.webhook_models import WebhookDelivery
from casework.views.decorators import role_required

DOCUMENT_ROLES = (*roles.LEAD_ROLES, *roles.AUDIT_ROLES)


@require_GET
@never_cache
@role_required(*roles.LEAD_ROLES, roles.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"board": selectors.dashboard(), "webhook_on": webhooks.enabled()}
    return render(request, "casework/escalations.html", context)


@require_GET
@never_cache
@role_required(*DOCUMENT_ROLES)
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        found = actions.read_document(document_id=document_id, user=request.user)
    except EscalationDocument.DoesNotExist as exc:
        raise Http404("No such document.") from exc
    except CaseActionRefused:
        return render(request, "casework/forbidden.html", status=403)
    response = HttpResponse(found.body, content_type=f"{found.content_type}; charset=utf-8")
    name = f"escalation-{found.escalation_id}-{found.pk}-{found.direction}-{found.name}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _escalation_action(request: HttpRequest, escalation_id: int, act) -> HttpResponse:
    escalation = Escalation.objects.filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404("No such escalation.")
    try:
        act()
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    back = request.POST.get("back")
    if back == "dashboard":
        return redirect("escalations")
    return redirect("case", case_id=escalation.case_id)


@require_POST
@role_required(*roles.LEAD_ROLES)
def retry(request: HttpRequest, escalation_id: int) -> HttpResponse:
    def act():
        actions.retry(escalation_id=escalation_id, lead=request.user)
        messages.success(request, f"Escalation {escalation_id} will be sent again.")

    return _escalation_action(request, escalation_id, act)


@require_POST
@role_required(*roles.LEAD_ROLES)
def retract(request: HttpRequest, escalation_id: int) -> HttpResponse:
    def act():
        actions.retract(
            escalation_id=escalation_id, lead=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"Escalation {escalation_id} retracted.")

    return _escalation_action(request, escalation_id, act)


@require_POST
@role_required(*roles.LEAD_ROLES)
def webhook_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    if not WebhookDelivery.objects.filter(pk=delivery_id).exists():
        raise Http404("No such webhook event.")
    try:
        webhooks.retry(delivery_id=delivery_id, lead=request.user)
        messages.success(request, f"Webhook event {delivery_id} will be sent again.")
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    return redirect("escalations")
