"""From a checked ID token to a Casework user: who they are (the identity keyed by issuer
and subject), which role their groups map to (OIDC_ROLE_MAP, applied at every sign-in), and
whether the provider's sign-in counts as the second factor leads and admins need.

The second-factor rule, kept simple: the provider asserts MFA when the ID token's `amr`
holds "mfa", or one of otp, hwk, swk, fpt, face (a one-time code, a key, a biometric), or
"pin" beside any other method. Otherwise a lead or admin still passes Casework's TOTP step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from casework import accounts, audit, roles, signin_throttle
from casework.models import OidcIdentity
from casework.oidc.errors import NotAllowed

SECOND_FACTOR_METHODS = frozenset({"otp", "hwk", "swk", "fpt", "face"})
USERNAME_LENGTH = 150


@dataclass(frozen=True)
class SignOn:
    user: Any
    role: str
    mfa_asserted: bool

    @property
    def needs_totp_step(self) -> bool:
        return self.role in accounts.TOTP_ROLES and not self.mfa_asserted


def asserts_mfa(amr: Any) -> bool:
    """True if the `amr` claim says the person passed more than a password (see above)."""
    if not isinstance(amr, list):
        return False
    methods = {str(method) for method in amr}
    return (
        "mfa" in methods
        or bool(methods & SECOND_FACTOR_METHODS)
        or ("pin" in methods and len(methods) > 1)
    )


def claimed_groups(claims: dict[str, Any]) -> list[str]:
    """The values of OIDC_ROLE_CLAIM: a list or one string; a dotted name reaches into an
    object (Keycloak's "realm_access.roles")."""
    name = settings.OIDC_ROLE_CLAIM
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(groups: list[str]) -> str | None:
    """The role of the first OIDC_ROLE_MAP entry whose group the person is in."""
    return next((role for group, role in settings.OIDC_ROLE_MAP if group in groups), None)


def sign_on(claims: dict[str, Any], *, address: str) -> SignOn:
    """The user these claims sign in, in the role their groups map to (a change is
    audited), inside the sign-in throttle; NotAllowed, audited by the caller, if Casework
    does not let them in."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    groups = claimed_groups(claims)
    role = mapped_role(groups)
    if role is None:
        raise NotAllowed(
            f"Your account at {settings.OIDC_PROVIDER_NAME} is in no group that Casework "
            "gives a role to, so you cannot sign in. Ask your identity administrator to add "
            "you to the right group.",
            reason="no_mapped_group",
            detail=f"{settings.OIDC_ROLE_CLAIM}={groups} subject={subject}",
        )
    user = _user_for(issuer, subject, claims, role)
    username = user.get_username()
    refusal: NotAllowed | None = None
    with signin_throttle.attempt(username, address):
        _apply_role(user, role, actor=f"system:oidc:{issuer}")
        outcome = SignOn(user=user, role=role, mfa_asserted=asserts_mfa(claims.get("amr")))
        if not user.is_active:
            refusal = NotAllowed(
                "Your Casework account is switched off. Ask an admin.", reason="inactive"
            )
        elif outcome.needs_totp_step and not accounts.has_totp_device(user):
            refusal = NotAllowed(
                f"Your role ({role}) needs a second factor. {settings.OIDC_PROVIDER_NAME} did "
                "not report one for this sign-in, and you have no authenticator enrolled in "
                "Casework. Sign in at your provider with multi-factor authentication, or ask "
                "an admin to enrol a TOTP device for you.",
                reason="no_second_factor",
                detail=f"amr={claims.get('amr')}",
            )
        else:
            OidcIdentity.objects.filter(user=user).update(last_signed_in_at=timezone.now())
            audit.by_user(
                user,
                "login.oidc",
                target=f"user:{username}",
                data={
                    "issuer": issuer,
                    "subject": subject,
                    "role": role,
                    "amr": claims.get("amr"),
                    "second_factor": "totp"
                    if outcome.needs_totp_step
                    else "provider"
                    if outcome.mfa_asserted
                    else "not needed",
                },
            )
            if not outcome.needs_totp_step:
                signin_throttle.clear(username, address)
    if refusal is not None:
        refusal.target = f"user:{username}"
        raise refusal
    return outcome


@transaction.atomic
def _user_for(issuer: str, subject: str, claims: dict[str, Any], role: str) -> Any:
    """The user of this identity, made at its first sign-in (with no password: they sign in
    only through the provider)."""
    identity = (
        OidcIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        return identity.user
    username = _free_username(issuer, subject, claims)
    user = get_user_model().objects.create_user(username=username, password=None)
    user.email = str(claims.get("email") or "")
    user.save(update_fields=["email"])
    OidcIdentity.objects.create(issuer=issuer, subject=subject, user=user)
    audit.record(
        "user.created",
        actor=f"system:oidc:{issuer}",
        target=f"user:{username}",
        data={"role": role, "issuer": issuer, "subject": subject},
    )
    return user


def _free_username(issuer: str, subject: str, claims: dict[str, Any]) -> str:
    """The name the provider gives, unless a local account has it: then that name with a
    suffix of the identity, so a provider can never take over a local account by name."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or subject)
    wanted = wanted[:USERNAME_LENGTH]
    if not get_user_model().objects.filter(username=wanted).exists():
        return wanted
    suffix = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:10]
    return f"{wanted[: USERNAME_LENGTH - 11]}-{suffix}"


def _apply_role(user: Any, role: str, *, actor: str) -> None:
    """Make `role` the user's one role (admins also get the Django admin); audit a change."""
    current = set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))
    admin = role == roles.ADMIN
    if current == {role} and user.is_staff == admin and user.is_superuser == admin:
        return
    user.groups.remove(*Group.objects.filter(name__in=current - {role}))
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    user.is_staff = user.is_superuser = admin
    user.save(update_fields=["is_staff", "is_superuser"])
    user._casework_roles = None  # roles.has_role's per-request cache
    if current:
        audit.record(
            "user.role_changed",
            actor=actor,
            target=f"user:{user.get_username()}",
            data={"from": sorted(current), "to": role},
        )
