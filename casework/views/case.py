"""The case page and what its holder does there: decide, release or skip, keep the lease."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import accounts, hotlines, roles
from casework.cases import claims, decisions, evidence, priority, segments, viewing, vocabulary
from casework.cases.errors import CaseActionRefused, FieldRefused
from casework.escalation import routing, webhooks
from casework.escalation import selectors as escalation_selectors
from casework.evidence_package import offer
from casework.models import Case, Decision
from casework.views.decorators import case_action, existing_case, role_required
from casework.views.queues import claim_next
from casework.wellbeing import activity


@require_GET
@never_cache
@role_required(*roles.ROLES)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        page = viewing.view_case(case_id=case_id, user=request.user)
    except Case.DoesNotExist as exc:
        raise Http404("No such case.") from exc
    context = {
        "case": page.case,
        "reports": page.reports,
        "media": page.media,
        "decisions": page.decisions,
        "timeline": page.timeline,
        "uploader_cases": page.uploader_cases,
        "keeping": page.keeping,
        "may_hold": page.may["hold"],
        "holds": page.may["decide"],
        "may_claim": page.may["claim"],
        "priority_reasons": priority.describe(page.case.priority_reasons, page.case.created_at),
        "may_preview": page.may["preview"],
        "preview_size": page.view.preview_size,
        "reveal_seconds": page.view.reveal_seconds,
        "video_view": page.view,
        "may_reveal": page.may["reveal"],
        "may_approve": page.may["approve"],
        "is_lead": page.may["lead"],
        "verdicts": vocabulary.verdict_choices(Decision.Verdict.choices),
        "industry": vocabulary.INDUSTRY_CLASSIFICATIONS,
        "industry_keys": vocabulary.INDUSTRY_KEYS,
        "iwf": vocabulary.IWF_CATEGORIES,
        "iwf_keys": vocabulary.IWF_KEYS,
        "annotations": vocabulary.annotation_choices(),
        "annotation_labels": vocabulary.ANNOTATION_LABELS,
        "incident_types": vocabulary.INCIDENT_TYPES,
        "reviewers": accounts.reviewers() if page.may["lead"] else [],
        "escalations": escalation_selectors.for_case(page.case.pk),
        "may_read_documents": page.may["lead"] or roles.has_role(request.user, *roles.AUDIT_ROLES),
        "routes": routing.routed_targets(page.case) if page.may["approve"] else [],
        "hotlines": hotlines.TARGETS,
        "webhook_on": webhooks.enabled(),
        "wellbeing": activity.reviewer_status(request.user) if page.may["decide"] else None,
        "evidence_export": offer.evidence_export(page.decisions, request.user),
    }
    return render(request, "casework/case.html", context)


def _media_labels(request: HttpRequest, media_ids: list[int]) -> dict[str, dict]:
    """Each item's labels from the decision form; FieldRefused for a bad segment."""
    marked = segments.read_segments(request.POST, media_ids)
    return {
        str(mid): {
            "industry": request.POST.get(f"industry-{mid}", ""),
            "iwf": request.POST.get(f"iwf-{mid}", ""),
            "annotations": request.POST.getlist(f"annotations-{mid}"),
            "segment": marked.get(str(mid)),
        }
        for mid in media_ids
    }


@case_action(*roles.REVIEW_ROLES)
def decide(request: HttpRequest, case_id: int) -> HttpResponse:
    case = Case.objects.select_related("queue").get(pk=case_id)
    try:
        labels = _media_labels(request, evidence.case_media_ids(case))
    except FieldRefused as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain")
    decisions.record_decision(
        case_id=case.pk,
        user=request.user,
        verdict=request.POST.get("verdict", ""),
        media_labels=labels,
        incident_type=request.POST.get("incident_type", ""),
        notes=request.POST.get("notes", ""),
    )
    messages.success(request, f"Decision recorded on case {case.pk}.")
    if request.POST.get("then") == "next":
        return claim_next(request, case.queue.slug)
    return redirect("queues")


@case_action(*roles.REVIEW_ROLES)
def claim(request: HttpRequest, case_id: int) -> HttpResponse:
    claims.claim_case(case_id=case_id, user=request.user)
    messages.success(request, f"You hold case {case_id} now.")
    return redirect("case", case_id=case_id)


@case_action(*roles.REVIEW_ROLES)
def release(request: HttpRequest, case_id: int) -> HttpResponse:
    reason = request.POST.get("skip_reason", "").strip()
    if request.POST.get("skip") and not reason:
        raise CaseActionRefused("Say why you skip this case.")
    claims.release_case(case_id=case_id, user=request.user, skip_reason=reason)
    messages.info(request, f"Case {case_id} {'skipped' if reason else 'released'}.")
    return redirect("queues")


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def renew(request: HttpRequest, case_id: int) -> JsonResponse:
    """Called by the case page while the reviewer is active."""
    try:
        case = claims.renew_lease(case_id=case_id, user=request.user)
    except CaseActionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=409)
    return JsonResponse({"lease_expires_at": case.lease_expires_at.isoformat()})
