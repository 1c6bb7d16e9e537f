"""People: users in roles, their second factor, and sign-in throttling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit, roles
from casework.models import LoginFailure

TOTP_ROLES = (roles.ESCALATION_LEAD, roles.ADMIN)
FAILURE_WINDOW = timedelta(minutes=15)


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


def too_many_failures(username: str, address: str) -> bool:
    """True when this username or address failed to sign in too often lately."""
    since = timezone.now() - FAILURE_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    return (
        recent.filter(username=username).count() >= limit
        or recent.filter(address=address).count() >= limit
    )


def record_failure(username: str, address: str) -> None:
    LoginFailure.objects.create(username=username[:150], address=address)
    audit.record("login.failed", actor=f"anonymous@{address}", target=f"user:{username[:150]}")


def pass_second_factor(request: Any, token: str) -> bool:
    """Check the signed-in user's TOTP code; on a match, mark the session verified and
    record it. A wrong code counts as a failed sign-in."""
    user = request.user
    device = django_otp.match_token(user, token.strip())
    if device is None:
        record_failure(user.get_username(), request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104
        return False
    django_otp.login(request, device)
    audit.by_user(user, "login.second_factor", target=f"user:{user.get_username()}")
    return True


def reviewers() -> Any:
    """Everyone who may be given a case to review."""
    return get_user_model().objects.filter(groups__name__in=roles.REVIEW_ROLES).distinct()
