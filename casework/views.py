"""Casework's pages: thin views over casework.actions (writes) and casework.selectors (reads)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import actions, audit, roles, selectors
from casework.access import ALL_ROLES, LEAD_ROLES, REVIEW_ROLES, role_required
from casework.actions import CaseActionRefused
from casework.audit import verify_chain
from casework.models import Case, Decision, Queue
from reports import selectors as report_selectors
from reports.vault import VaultError


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("queues")
    return render(request, "casework/home.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@role_required(*roles.PREVIEW_ROLES)
def media_preview(request: HttpRequest, media_id: int) -> HttpResponse:
    """The server-made blurred greyscale preview; each view is audited, never cached."""
    data = report_selectors.preview_bytes(media_id)
    if data is None:
        raise Http404("No preview for this media item (yet).")
    audit.record(
        "media.preview_viewed",
        actor=audit.user_actor(request.user),
        actor_user=request.user,
        target=f"media:{media_id}",
    )
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*ALL_ROLES)
def queue_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.queue_overview(request.user)
    next_row = next((r for r in rows if r.may_claim and r.open_count), None)
    return render(request, "casework/queues.html", {"rows": rows, "next_row": next_row})


@require_POST
@role_required(*REVIEW_ROLES)
def claim_next(request: HttpRequest, slug: str) -> HttpResponse:
    queue = get_object_or_404(Queue, slug=slug)
    try:
        case = actions.claim_next_case(user=request.user, queue=queue)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("queues")
    if case is None:
        messages.info(request, f"Nothing to claim in {queue.name} right now.")
        return redirect("queues")
    return redirect("case", case_id=case.pk)


@require_GET
@role_required(*ALL_ROLES)
def case_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = selectors.search_cases(query)
    if query:
        audit.record(
            "case.searched",
            actor=audit.user_actor(request.user),
            actor_user=request.user,
            target="cases",
            data={"q": query[:200], "results": len(results)},
        )
    return render(request, "casework/search.html", {"query": query, "results": results})


@require_GET
@never_cache
@role_required(*ALL_ROLES)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = selectors.case_page(case_id)
    except Case.DoesNotExist as exc:
        raise Http404("No such case.") from exc
    reports = selectors.case_reports(case)
    audit.record(
        "case.viewed",
        actor=audit.user_actor(request.user),
        actor_user=request.user,
        target=f"case:{case.pk}",
    )
    user = request.user
    holds = case.holder_id == user.pk and case.status == Case.Status.IN_REVIEW
    decisions = list(case.decisions.all())
    matches = report_selectors.best_matches([r.pk for r in reports])
    media = [m for r in reports for m in r.media.all()]
    for item in media:
        item.best_match = matches.get(item.pk)
    context = {
        "case": case,
        "reports": reports,
        "media": media,
        "decisions": decisions,
        "timeline": selectors.timeline(case, reports),
        "uploader_cases": selectors.other_cases_of_uploaders(case, reports),
        "holds": holds,
        "may_preview": selectors.may_see_previews(user),
        "may_reveal": actions.may_look_closely(case, user),
        "may_approve": case.status == Case.Status.AWAITING_APPROVAL
        and roles.has_role(user, roles.ESCALATION_LEAD)
        and decisions
        and decisions[0].decided_by_id != user.pk,
        "is_lead": roles.has_role(user, roles.ESCALATION_LEAD),
        "verdicts": Decision.Verdict.choices,
        "industry": actions.INDUSTRY_CLASSIFICATIONS,
        "iwf": actions.IWF_CATEGORIES,
        "annotations": actions.FILE_ANNOTATIONS,
        "incident_types": actions.INCIDENT_TYPES,
        "reviewers": get_user_model().objects.filter(groups__name__in=REVIEW_ROLES).distinct()
        if roles.has_role(user, roles.ESCALATION_LEAD)
        else [],
    }
    return render(request, "casework/case.html", context)


def existing_case(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for a case id that does not exist, before any action is tried."""

    @wraps(view)
    def wrapper(request: HttpRequest, case_id: int, *args, **kwargs) -> HttpResponse:
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("No such case.")
        return view(request, case_id, *args, **kwargs)

    return wrapper


def _refused(request: HttpRequest, case_id: int, refused: Exception) -> HttpResponse:
    messages.error(request, str(refused))
    return redirect("case", case_id=case_id)


@require_POST
@role_required(*REVIEW_ROLES)
@existing_case
def reveal(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    """POST only: the original bytes, once, audited, never cached."""
    try:
        data, content_type = actions.reveal_media(
            case_id=case_id, media_id=media_id, user=request.user
        )
    except (CaseActionRefused, VaultError) as refused:
        return HttpResponse(str(refused), status=403, content_type="text/plain")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
@role_required(*REVIEW_ROLES)
@existing_case
def metadata(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    try:
        found = actions.inspect_metadata(case_id=case_id, media_id=media_id, user=request.user)
    except (CaseActionRefused, VaultError) as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    response = JsonResponse({"metadata": found})
    response["Cache-Control"] = "no-store"
    return response


def _media_labels(request: HttpRequest, media_ids: list[int]) -> dict[str, dict]:
    return {
        str(mid): {
            "industry": request.POST.get(f"industry-{mid}", ""),
            "iwf": request.POST.get(f"iwf-{mid}", ""),
            "annotations": request.POST.getlist(f"annotations-{mid}"),
        }
        for mid in media_ids
    }


@require_POST
@role_required(*REVIEW_ROLES)
@existing_case
def decide(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("queue"), pk=case_id)
    media_ids = actions.case_media_ids(case)
    try:
        actions.record_decision(
            case_id=case.pk,
            user=request.user,
            verdict=request.POST.get("verdict", ""),
            media_labels=_media_labels(request, media_ids),
            incident_type=request.POST.get("incident_type", ""),
            notes=request.POST.get("notes", ""),
        )
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Decision recorded on case {case.pk}.")
    if request.POST.get("then") == "next":
        return claim_next(request, case.queue.slug)
    return redirect("queues")


@require_POST
@role_required(*LEAD_ROLES)
@existing_case
def approve(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        actions.approve_decision(case_id=case_id, lead=request.user)
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Case {case_id} approved.")
    return redirect("case", case_id=case_id)


@require_POST
@role_required(*LEAD_ROLES)
@existing_case
def return_case(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        actions.return_decision(
            case_id=case_id, lead=request.user, reason=request.POST.get("reason", "")
        )
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Case {case_id} returned to review.")
    return redirect("case", case_id=case_id)


@require_POST
@role_required(*REVIEW_ROLES)
@existing_case
def release(request: HttpRequest, case_id: int) -> HttpResponse:
    reason = request.POST.get("skip_reason", "").strip()
    if request.POST.get("skip") and not reason:
        return _refused(request, case_id, CaseActionRefused("Say why you skip this case."))
    try:
        actions.release_case(case_id=case_id, user=request.user, skip_reason=reason)
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.info(request, f"Case {case_id} {'skipped' if reason else 'released'}.")
    return redirect("queues")


@require_POST
@role_required(*REVIEW_ROLES)
@existing_case
def renew(request: HttpRequest, case_id: int) -> JsonResponse:
    """Called by the case page while the reviewer is active."""
    try:
        case = actions.renew_lease(case_id=case_id, user=request.user)
    except CaseActionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=409)
    return JsonResponse({"lease_expires_at": case.lease_expires_at.isoformat()})


@require_POST
@role_required(*LEAD_ROLES)
@existing_case
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    target = get_user_model().objects.filter(pk=request.POST.get("user") or 0).first()
    if target is None:
        return _refused(request, case_id, CaseActionRefused("Choose a reviewer."))
    try:
        actions.reassign_case(case_id=case_id, lead=request.user, to_user=target)
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Case {case_id} reassigned to {target.get_username()}.")
    return redirect("case", case_id=case_id)


@require_POST
@role_required(*LEAD_ROLES)
@existing_case
def merge(request: HttpRequest, case_id: int) -> HttpResponse:
    into = request.POST.get("into", "")
    if not into.isdigit() or not Case.objects.filter(pk=int(into)).exists():
        return _refused(request, case_id, CaseActionRefused("Give the number of an existing case."))
    try:
        target = actions.merge_cases(lead=request.user, case_id=case_id, into_id=int(into))
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Case {case_id} merged into case {target.pk}.")
    return redirect("case", case_id=target.pk)


@require_POST
@role_required(*LEAD_ROLES)
@existing_case
def split(request: HttpRequest, case_id: int) -> HttpResponse:
    report_ids = [int(r) for r in request.POST.getlist("reports") if r.isdigit()]
    try:
        new = actions.split_case(lead=request.user, case_id=case_id, report_ids=report_ids)
    except CaseActionRefused as refused:
        return _refused(request, case_id, refused)
    messages.success(request, f"Reports {report_ids} split off into case {new.pk}.")
    return redirect("case", case_id=new.pk)


AUDIT_PAGE_SIZE = 100


@require_GET
@role_required(roles.AUDITOR, roles.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by actor, action or target; CSV export audited."""
    filters = {key: request.GET.get(key, "").strip() for key in ("actor", "action", "target")}
    events = selectors.audit_events(**filters)
    if request.GET.get("format") == "csv":
        audit.record(
            "audit.exported",
            actor=audit.user_actor(request.user),
            actor_user=request.user,
            target="audit",
            data={k: v for k, v in filters.items() if v},
        )
        return audit_csv(events)
    before = request.GET.get("before", "")
    page = list(
        (events.filter(pk__lt=int(before)) if before.isdigit() else events)[: AUDIT_PAGE_SIZE + 1]
    )
    return render(
        request,
        "casework/audit.html",
        {
            "events": page[:AUDIT_PAGE_SIZE],
            "older": page[AUDIT_PAGE_SIZE - 1].pk if len(page) > AUDIT_PAGE_SIZE else None,
            "filters": filters,
            "chain": request.GET.get("verify") and verify_chain(),
        },
    )


def audit_csv(events) -> StreamingHttpResponse:
    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "at", "actor", "action", "target", "data", "prev_hash", "hash"])
        for e in events.select_related("seal").order_by("pk").iterator():
            seal = getattr(e, "seal", None)
            writer.writerow(
                [
                    e.pk,
                    e.at.isoformat(),
                    e.actor,
                    e.action,
                    e.target,
                    json.dumps(e.data),
                    seal.prev_hash if seal else "",
                    seal.hash if seal else "(not sealed yet)",
                ]
            )
            yield out.getvalue()
            out.seek(0)
            out.truncate()

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="casework-audit.csv"'
    response["Cache-Control"] = "no-store"
    return response
