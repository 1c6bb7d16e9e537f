"""Refusing oversized intake requests before a byte of the body is read."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


def too_large(message: str, field: str = "body") -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=413)


class RequestSizeLimitMiddleware:
    """Answer 413 to an API request whose declared length is over INTAKE_MAX_REQUEST_BYTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit = settings.INTAKE_MAX_REQUEST_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(
                    {"errors": [{"field": "Content-Length", "message": "is not a number"}]},
                    status=400,
                )
            if length > limit:
                return too_large(f"the request is {length} bytes, over the limit of {limit}")
        return self.get_response(request)
