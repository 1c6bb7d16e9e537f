"""Evidence in the browser: the blurred preview, and the original or its metadata on a
deliberate POST. Each is audited by its action and never cached."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from casework import roles
from casework.cases import evidence, metadata_view, playback
from casework.cases.errors import CaseActionRefused, EvidencePurged, FieldRefused
from casework.views.decorators import existing_case, role_required


def _gone(purged: EvidencePurged) -> HttpResponse:
    """410 Gone: the bytes were deleted on purpose when the evidence's keeping ended."""
    response = HttpResponse(str(purged), status=410, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*roles.PREVIEW_ROLES)
def media_preview(request: HttpRequest, media_id: int) -> HttpResponse:
    """The server-made filtered preview; `zoom=1` the same filter at a larger size."""
    zoom = request.GET.get("zoom")
    if zoom not in (None, "1"):
        return JsonResponse({"error": "zoom: 1 or absent", "field": "zoom"}, status=400)
    try:
        data = evidence.view_preview(media_id=media_id, user=request.user, zoomed=zoom == "1")
    except EvidencePurged as gone:
        return _gone(gone)
    if data is None:
        raise Http404("No preview for this media item (yet).")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def reveal(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    """POST only: the original bytes, once; with `region` (x,y,w,h in the original's pixels)
    an image in which only that rectangle is unfiltered."""
    region = request.POST.get("region")
    try:
        if region is None:
            data, content_type = evidence.reveal_media(
                case_id=case_id, media_id=media_id, user=request.user
            )
        else:
            content_type = "image/jpeg"
            data = evidence.reveal_region(
                case_id=case_id, media_id=media_id, user=request.user, region=region
            )
    except CaseActionRefused as refused:
        return HttpResponse(str(refused), status=403, content_type="text/plain")
    except EvidencePurged as gone:
        return _gone(gone)
    except FieldRefused as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def play(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    """POST only: a video to play in the case page's player, filtered or the original as
    the reviewer's view settings say (X-Casework-Filtered tells the page which)."""
    try:
        data, content_type, filtered = playback.play_video(
            case_id=case_id, media_id=media_id, user=request.user
        )
    except CaseActionRefused as refused:
        return HttpResponse(str(refused), status=403, content_type="text/plain")
    except EvidencePurged as gone:
        return _gone(gone)
    except FieldRefused as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Casework-Filtered"] = "1" if filtered else "0"
    return response


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def enlarged(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    """POST only: the case page's image viewer opened on a revealed original (no bytes here)."""
    try:
        evidence.record_enlargement(case_id=case_id, media_id=media_id, user=request.user)
    except CaseActionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    return HttpResponse(status=204)


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def reblurred(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    """POST only: the case page blurred a revealed original again (`seconds` it was shown,
    `cause`); sent as a beacon, so also when the page is being left."""
    try:
        evidence.record_reblur(
            case_id=case_id,
            media_id=media_id,
            user=request.user,
            seconds=request.POST.get("seconds", ""),
            cause=request.POST.get("cause", ""),
        )
    except FieldRefused as bad:
        return JsonResponse({"error": str(bad), "field": bad.field}, status=400)
    except CaseActionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    return HttpResponse(status=204)


@require_POST
@role_required(*roles.REVIEW_ROLES)
@existing_case
def metadata(request: HttpRequest, case_id: int, media_id: int) -> HttpResponse:
    try:
        found = evidence.inspect_metadata(case_id=case_id, media_id=media_id, user=request.user)
    except CaseActionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    except EvidencePurged as gone:
        return JsonResponse({"error": str(gone)}, status=410)
    response = JsonResponse({"metadata": found, "sections": metadata_view.sections(found)})
    response["Cache-Control"] = "no-store"
    return response
