"""The queues page, claiming the next case, and searching cases."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases import claims, selectors, viewing
from casework.cases.errors import CaseActionRefused
from casework.models import Queue
from casework.views.decorators import role_required


@require_GET
@role_required(*roles.ROLES)
def queue_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.queue_overview(request.user)
    next_row = next((r for r in rows if r.may_claim and r.open_count), None)
    return render(request, "casework/queues.html", {"rows": rows, "next_row": next_row})


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
