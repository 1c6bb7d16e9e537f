"""The front door, the health check and the operators' metrics."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, to the bearer of METRICS_TOKEN only (see casework.metrics)."""
    from casework import metrics as figures

    if not figures.authorised(request):
        refused = HttpResponse("a valid METRICS_TOKEN bearer token is required\n", status=401)
        refused["WWW-Authenticate"] = "Bearer"
        refused["Content-Type"] = "text/plain"
        return refused
    return HttpResponse(figures.exposition(), content_type=figures.content_type())
