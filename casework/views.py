"""Casework's pages. The review UI grows here; for now: home, health, blurred previews."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework import audit, roles
from reports import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/home.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@login_required
def media_preview(request: HttpRequest, media_id: int) -> HttpResponse:
    """The server-made blurred greyscale preview; each view is audited, never cached."""
    if not roles.has_role(request.user, *roles.PREVIEW_ROLES):
        return HttpResponse("Your role does not see evidence previews.", status=403)
    data = selectors.preview_bytes(media_id)
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
