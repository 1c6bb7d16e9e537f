"""People: users in roles, their second factor, and the two steps of signing in (both
inside the sign-in throttle, casework/signin_throttle.py)."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import Value
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit, roles, signin_throttle

TOTP_ROLES = (roles.ESCALATION_LEAD, roles.ADMIN)
# Set in the session when the identity provider asserted multi-factor authentication for
# this sign-in (casework/oidc/people.py): it stands in for the TOTP step.
PROVIDER_MFA_SESSION_KEY = "casework_provider_mfa"


def create_user(username: str, *, role: str, password: str, created_by: str) -> Any:
    """Create an active user in one role; admins also get the Django admin. A role that
    needs a second factor gets a TOTP device: see enrol_totp."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(roles.ROLES)}")
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            is_staff=role == roles.ADMIN,
            is_superuser=role == roles.ADMIN,
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        audit.record(
            "user.created", actor=created_by, target=f"user:{username}", data={"role": role}
        )
    return user


def enrol_totp(user: Any, *, created_by: str) -> str:
    """Give the user a confirmed TOTP device (replacing any); return its otpauth:// URI."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        audit.record("user.totp_enrolled", actor=created_by, target=f"user:{user.get_username()}")
    return device.config_url


def has_totp_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_totp(user: Any) -> bool:
    return roles.has_role(user, *TOTP_ROLES)


def second_factor_passed(request: HttpRequest) -> bool:
    """The TOTP step passed in this session, or the identity provider asserted MFA."""
    return request.user.is_verified() or bool(request.session.get(PROVIDER_MFA_SESSION_KEY))


class ThrottledModelBackend(ModelBackend):
    """Username and password, as Django's ModelBackend checks them, for every sign-in path
    (the staff sign-in page and the Django admin's login), inside the sign-in throttle."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        username = username or kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        address = signin_throttle.client_address(request)
        with signin_throttle.attempt(username, address):
            user = super().authenticate(request, username=username, password=password)
            if user is None:
                signin_throttle.record_failure(username, address, step="password")
            elif not has_totp_device(user):
                # Complete now; with a second factor, only once the code passes (else the
                # password alone would reset the count of wrong codes).
                signin_throttle.clear(username, address)
        return user

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, with their role names read in the same query
        (roles.has_role looks at them first), as ModelBackend would give it otherwise."""
        user = (
            get_user_model()
            ._default_manager.annotate(role_names=ArrayAgg("groups__name", default=Value([])))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._casework_roles = frozenset(name for name in user.role_names if name)
        return user


def pass_second_factor(request: HttpRequest, token: str) -> bool:
    """Check the signed-in user's TOTP code, inside the sign-in throttle (a wrong code is a
    failed sign-in); on a match, mark the session verified and record it."""
    user = request.user
    username = user.get_username()
    address = signin_throttle.client_address(request)
    with signin_throttle.attempt(username, address):
        device = django_otp.match_token(user, token.strip())
        if device is None:
            signin_throttle.record_failure(username, address, step="second_factor")
            return False
        django_otp.login(request, device)
        signin_throttle.clear(username, address)
        audit.by_user(user, "login.second_factor", target=f"user:{username}")
    return True


def reviewers() -> Any:
    """Everyone who may be given a case to review."""
    return get_user_model().objects.filter(groups__name__in=roles.REVIEW_ROLES).distinct()
