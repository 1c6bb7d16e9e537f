"""Every answer under /api/ is JSON, including those no API view made: a method the path does
not take (405, with its Allow header) and a path that does not exist (404)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
MESSAGES = {
    404: ("path", "no such API path"),
    405: ("method", "{method} is not allowed here; allowed: {allowed}"),
}


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code not in MESSAGES
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        field, message = MESSAGES[response.status_code]
        allowed = response.get("Allow", "")
        answer = JsonResponse(
            {
                "errors": [
                    {
                        "field": field,
                        "message": message.format(method=request.method, allowed=allowed),
                    }
                ]
            },
            status=response.status_code,
        )
        if allowed:
            answer["Allow"] = allowed
        return answer
