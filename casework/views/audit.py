"""The audit log for auditors: filtered pages, chain verification, the CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import roles
from casework.audit import reading
from casework.audit.verification import verify_log
from casework.views.decorators import role_required


@require_GET
@role_required(*roles.AUDIT_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by actor, action or target; CSV export audited."""
    filters = {key: request.GET.get(key, "").strip() for key in ("actor", "action", "target")}
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            reading.export_csv(request.user, filters), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="casework-audit.csv"'
        response["Cache-Control"] = "no-store"
        return response
    events, older = reading.page(reading.events(**filters), request.GET.get("before", ""))
    return render(
        request,
        "casework/audit.html",
        {
            "events": events,
            "older": older,
            "filters": filters,
            "chain": request.GET.get("verify") and verify_log(seal=False),
        },
    )
