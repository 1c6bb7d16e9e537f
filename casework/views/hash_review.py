"""Leads' review of quarantined hash-list entries: the list, and confirm or disable (POST,
audited; casework.cases.hash_review)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases import hash_review
from casework.cases.errors import CaseActionRefused
from casework.views.decorators import role_required
from reports import api

REVIEW_ROLES = (*roles.LEAD_ROLES, roles.ADMIN)


@require_GET
@never_cache
@role_required(*REVIEW_ROLES)
def review_list(request: HttpRequest) -> HttpResponse:
    entries = hash_review.entries_in_review(user=request.user)
    return render(request, "casework/hash_review.html", {"entries": entries})


def _review(request: HttpRequest, entry_id: int, *, confirm: bool) -> HttpResponse:
    try:
        hash_review.review_entry(
            entry_id=entry_id,
            lead=request.user,
            confirm=confirm,
            reason=request.POST.get("reason", ""),
        )
    except api.HashEntryDoesNotExist as exc:
        raise Http404("No such hash-list entry.") from exc
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("hash-review")
    done = "confirmed: its matches count again" if confirm else "disabled: it matches nothing"
    messages.success(request, f"Entry {entry_id} {done}.")
    return redirect("hash-review")


@require_POST
@role_required(*REVIEW_ROLES)
def confirm(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _review(request, entry_id, confirm=True)


@require_POST
@role_required(*REVIEW_ROLES)
def disable(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _review(request, entry_id, confirm=False)
