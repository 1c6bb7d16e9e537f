"""The exposure pages: /wellbeing/ (a person's own figures), /wellbeing/team/ (the team's
sums, and one person's figures with a stated reason, for leads and admins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from casework import roles
from casework.cases.errors import FieldRefused
from casework.views.decorators import role_required
from casework.wellbeing import pages

TEAM_VIEWERS = (roles.ESCALATION_LEAD, roles.ADMIN)
TEMPLATE = "casework/wellbeing.html"


@require_GET
@role_required(*roles.PREVIEW_ROLES)
def own(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, pages.own_page(user=request.user))


@require_http_methods(["GET", "POST"])
@role_required(*TEAM_VIEWERS)
def team(request: HttpRequest) -> HttpResponse:
    """GET: the team's sums. POST (reviewer, reason): that person's figures, recorded."""
    if request.method == "GET":
        return render(request, TEMPLATE, pages.team_page(user=request.user))
    try:
        person = pages.individual_page(
            user=request.user,
            reviewer=request.POST.get("reviewer", ""),
            reason=request.POST.get("reason", ""),
        )
    except FieldRefused as bad:
        context = {**pages.lookup_form(), "refused": bad, "whose": "", "lookup_only": True}
        return render(request, TEMPLATE, context, status=400)
    return render(request, TEMPLATE, person)
