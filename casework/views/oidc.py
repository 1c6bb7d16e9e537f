"""Single sign-on pages: off to the provider, and back. Every outcome is audited; a failure
is a page that says what happened (4xx, or 503 when the provider is down), never a 500."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from casework import accounts, audit, signin_throttle
from casework.oidc import people, provider
from casework.oidc.errors import SignOnFailed
from casework.views.signin import safe_next

PENDING_SESSION_KEY = "casework_oidc_pending"
CALLBACK_PATH = "/accounts/oidc/callback"


def _enabled_or_404() -> None:
    if not provider.enabled():
        raise Http404("single sign-on is not configured")


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(CALLBACK_PATH)


@never_cache
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Start the authorization code flow; `next` is where to land afterwards."""
    _enabled_or_404()
    try:
        url, pending = provider.start(_callback_uri(request), safe_next(request))
    except SignOnFailed as failure:
        return _failed(request, failure)
    request.session[PENDING_SESSION_KEY] = pending.as_session()
    return redirect(url)


@never_cache
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect back: check it, sign the person in (the TOTP step follows
    for a lead or admin whose provider did not assert MFA)."""
    _enabled_or_404()
    # One use: a replayed callback finds nothing pending.
    pending = provider.PendingSignIn.from_session(request.session.pop(PENDING_SESSION_KEY, None))
    address = signin_throttle.client_address(request)
    try:
        claims = provider.finish(pending, request.GET, _callback_uri(request))
        outcome = people.sign_on(claims, address=address)
    except SignOnFailed as failure:
        return _failed(request, failure)
    login(request, outcome.user, backend="casework.accounts.ThrottledModelBackend")
    if outcome.mfa_asserted:
        request.session[accounts.PROVIDER_MFA_SESSION_KEY] = True
    return redirect(pending.next_url if pending else "/queues/")


def _failed(request: HttpRequest, failure: SignOnFailed) -> HttpResponse:
    address = signin_throttle.client_address(request)
    audit.record(
        "login.oidc_failed",
        actor=f"anonymous@{address}",
        target=failure.target or f"oidc:{settings.OIDC_ISSUER}",
        data={"reason": failure.reason, "detail": failure.detail, "address": address},
    )
    context = {"message": failure.message, "provider_name": settings.OIDC_PROVIDER_NAME}
    response = render(request, "casework/oidc_failed.html", context, status=failure.status)
    if failure.status == 503:
        response["Retry-After"] = "60"
    return response
