"""Request guards: a second factor where one is set or required, a locked sign-in answered
429, security headers, and no caching of anything a signed-in person or a platform sees."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from casework import accounts
from casework.signin_throttle import SignInLocked

SESSION_REFRESHED_AT = "casework_refreshed_at"
SESSION_REFRESH_SECONDS = 60
API_PATH = "/api/"
OPEN_PATHS = ("/accounts/", "/static/", API_PATH, "/healthz")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' blob:",
        "media-src blob:",  # the case page's player plays only the stream it fetched
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
            and not accounts.second_factor_passed(request)
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


class NoStoreMiddleware:
    """`Cache-Control: no-store` on everything a signed-in person or a platform is answered
    (case pages, searches, the audit log, the admin, every API answer), so no browser or
    proxy keeps a copy. It sits outside the API's size limit, whose refusals answer before
    anyone is known; static files are served before it and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(API_PATH) or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True)
        return response


class IdleSessionMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without a request. Saving the session on every
    request would cost three queries a page; its expiry is moved on at most once a minute
    instead, so a session may end up to a minute before SESSION_COOKIE_AGE of idleness."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(SESSION_REFRESHED_AT, 0) >= SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_AT] = now
        return self.get_response(request)


class SignInLockedMiddleware:
    """Every sign-in path (the sign-in page, the admin's login, the second-factor step)
    raises SignInLocked while locked; this answers it the same way everywhere: 429, with
    Retry-After and a page that says when to try again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SignInLocked):
            return None
        seconds = exception.lock.retry_after()
        context = {"lock": exception.lock, "minutes": max(1, round(seconds / 60))}
        response = render(request, "casework/locked.html", context, status=429)
        response["Retry-After"] = str(seconds)
        add_never_cache_headers(response)
        return response
