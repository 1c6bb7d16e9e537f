"""The metrics page for leads and admins, and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import roles
from casework.stats import page, ranges
from casework.views.decorators import role_required

STATS_ROLES = (*roles.LEAD_ROLES, roles.ADMIN)


def _bad(bad: ranges.BadParameter) -> HttpResponse:
    return HttpResponseBadRequest(str(bad), content_type="text/plain; charset=utf-8")


@require_GET
@role_required(*STATS_ROLES)
def stats(request: HttpRequest) -> HttpResponse:
    try:
        context = page.metrics_page(user=request.user, params=request.GET)
    except ranges.BadParameter as bad:
        return _bad(bad)
    return render(request, "casework/stats.html", context)


@require_GET
@role_required(*STATS_ROLES)
def export(request: HttpRequest) -> HttpResponse:
    try:
        body, window = page.export_csv(user=request.user, params=request.GET)
    except ranges.BadParameter as bad:
        return _bad(bad)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{page.export_filename(window)}"'
    return response
