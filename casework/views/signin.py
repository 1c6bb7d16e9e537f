"""Signing in: password, then the TOTP step for users with a device. Both are throttled
inside accounts (a locked attempt raises SignInLocked, which the middleware answers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from casework import accounts


class LoginView(auth_views.LoginView):
    template_name = "casework/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ISSUER else ""
        return context


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/queues/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/queues/"


@never_cache
@csrf_protect
def otp_step(request: HttpRequest) -> HttpResponse:
    """The second step for users with a TOTP device: field `otp_token`."""
    user = request.user
    if not user.is_authenticated:
        return redirect("/accounts/login/")
    if accounts.second_factor_passed(request):
        return redirect(safe_next(request))
    status = 200
    if request.method == "POST":
        if accounts.pass_second_factor(request, request.POST.get("otp_token", "")):
            return redirect(safe_next(request))
        messages.error(request, "That code is not valid. Check your authenticator's clock.")
        status = 400
    return render(request, "casework/otp.html", {"next": safe_next(request)}, status=status)
