"""The queues page, a queue's case list, claiming the next case, and searching cases."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases import case_list, claims, selectors, viewing
from casework.cases.errors import CaseActionRefused
from casework.models import Queue
from casework.views.decorators import role_required
from casework.wellbeing import activity


@require_GET
@role_required(*roles.ROLES)
def queue_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.queue_overview(request.user)
    next_row = next((r for r in rows if r.may_claim and r.open_count), None)
    context = {
        "rows": rows,
        "next_row": next_row,
        "wellbeing": activity.reviewer_status(request.user),
    }
    return render(request, "casework/queues.html", context)


@require_GET
@role_required(*roles.ROLES)
def queue_cases(request: HttpRequest, slug: str) -> HttpResponse:
    queue = get_object_or_404(Queue, slug=slug)
    if not case_list.may_see_list(request.user, queue):
        return render(request, "casework/forbidden.html", status=403)
    try:
        listing = case_list.list_cases(user=request.user, queue=queue, params=request.GET)
    except case_list.BadParameter as bad:
        return HttpResponseBadRequest(str(bad), content_type="text/plain; charset=utf-8")
    return render(request, "casework/case_list.html", case_list.page_context(listing))


@require_POST
@role_required(*roles.REVIEW_ROLES)
def claim_next(request: HttpRequest, slug: str) -> HttpResponse:
    queue = get_object_or_404(Queue, slug=slug)
    try:
        case = claims.claim_next_case(user=request.user, queue=queue)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("queues")
    if case is None:
        messages.info(request, f"Nothing to claim in {queue.name} right now.")
        return redirect("queues")
    return redirect("case", case_id=case.pk)


@require_GET
@role_required(*roles.ROLES)
def case_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = viewing.search_cases(query=query, user=request.user)
    return render(request, "casework/search.html", {"query": query, "results": results})
