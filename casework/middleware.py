"""Request guards: a second factor where one is set or required, and security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casework import accounts

OPEN_PATHS = ("/accounts/", "/static/", "/api/", "/healthz")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' blob:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecondFactorMiddleware:
    """A signed-in user with a TOTP device must pass it before anything else; a role that
    requires one cannot work without it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATHS)
        ):
            if accounts.has_totp_device(user):
                return redirect(f"/accounts/otp/?next={request.get_full_path()}")
            if accounts.needs_totp(user):
                return render(request, "casework/needs_totp.html", status=403)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline script or style) on every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
