"""What a reviewer or a lead changes on the wellbeing side: taking or dismissing a proposed
break, a reviewer's opt-outs, a lead's daily caps; and the resources page. Each change is
audited by casework.wellbeing; a bad value answers 400 naming its field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from casework import accounts, roles
from casework.models import SupportResource
from casework.views.decorators import role_required
from casework.views.wellbeing import TEAM_VIEWERS
from casework.wellbeing import activity, limits


def _back(request: HttpRequest, fallback: str = "/queues/") -> HttpResponse:
    """To the page the form was on (only this site's pages)."""
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure())
    return redirect(wanted if safe and wanted.startswith("/") else fallback)


def _refused(field: str, message: str) -> JsonResponse:
    return JsonResponse({"error": f"{field}: {message}", "field": field}, status=400)


@require_POST
@role_required(*roles.REVIEW_ROLES)
def take_break(request: HttpRequest) -> HttpResponse:
    until = activity.take_break(request.user)
    messages.success(request, f"Break until {until:%H:%M} UTC. The CSAM queues will wait.")
    return _back(request)


@require_POST
@role_required(*roles.REVIEW_ROLES)
def dismiss_break(request: HttpRequest) -> HttpResponse:
    activity.dismiss_break(request.user)
    return _back(request)


@require_POST
@role_required(*roles.REVIEW_ROLES)
def opt_outs(request: HttpRequest) -> HttpResponse:
    categories = request.POST.getlist("categories")
    unknown = sorted(set(categories) - set(limits.OPTABLE_CATEGORIES))
    if unknown:
        return _refused("categories", f"unknown category {unknown[0]!r}")
    video = request.POST.get("video") == "on"
    limits.set_opt_outs(request.user, video=video, categories=categories)
    messages.success(request, "Your opt-outs are saved; claiming honours them from now on.")
    return redirect("wellbeing")


@require_POST
@role_required(*TEAM_VIEWERS)
def daily_cap(request: HttpRequest) -> HttpResponse:
    """A lead's daily cap in minutes of active CSAM review, for the team (no `reviewer`) or
    one reviewer; an empty `minutes` removes it."""
    name = request.POST.get("reviewer", "")
    reviewer = None
    if name:
        reviewer = get_user_model().objects.filter(username=name).first()
        if reviewer is None or not accounts.reviewers().filter(pk=reviewer.pk).exists():
            return _refused("reviewer", "not a reviewer's username")
    text = request.POST.get("minutes", "").strip()
    if text and not (text.isascii() and text.isdigit() and 1 <= int(text) <= 24 * 60):
        return _refused("minutes", "a whole number of minutes from 1 to 1440, or empty")
    limits.set_cap(request.user, reviewer, int(text) if text else None)
    whose = f"{reviewer.get_username()}'s" if reviewer else "The team's"
    messages.success(request, f"{whose} daily cap is saved.")
    return redirect("wellbeing-team")


@require_GET
@role_required(*roles.ROLES)
def resources(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/resources.html", {"resources": SupportResource.objects.all()})
