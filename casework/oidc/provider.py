"""Speaking to the OpenID Connect provider: discovery, the authorization request (state,
nonce and PKCE with S256) and, on the way back, the code exchange and the ID token's checks
(signature against the provider's JWKS, iss, aud, exp, nonce).

Discovery and the JWKS are fetched on every sign-in rather than cached: sign-ins are rare,
and a provider that rotates its keys is then followed at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from joserfc import jwt
from joserfc.errors import ClaimError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from casework.oidc.errors import BadCallback, BadIdToken, ProviderRefused, ProviderUnreachable

SCOPE = "openid profile email"
# Asymmetric signatures only: never "none", and never HS256 (keyed with the client secret).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback must match, kept in the session between the two requests."""

    state: str
    nonce: str
    code_verifier: str
    next_url: str

    def as_session(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_session(cls, value: Any) -> PendingSignIn | None:
        try:
            return cls(**value)
        except TypeError:
            return None


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def _get_json(url: str, what: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnreachable(
            "The sign-in provider is not answering. Try again in a minute, or sign in with "
            "your Casework password.",
            detail=f"{what} {url}: {exc}",
        ) from exc
    if not isinstance(document, dict):
        raise ProviderUnreachable("The sign-in provider answered with something unexpected.")
    return document


def discover() -> Metadata:
    """The provider's endpoints, from <issuer>/.well-known/openid-configuration. The
    document must name the configured issuer: a look-alike would sign its own tokens."""
    document = _get_json(f"{settings.OIDC_ISSUER}/.well-known/openid-configuration", "discovery")
    issuer = str(document.get("issuer", ""))
    if issuer.rstrip("/") != settings.OIDC_ISSUER:
        raise ProviderUnreachable(
            "The sign-in provider is not configured as Casework expects (its issuer differs).",
            detail=f"discovery names issuer {issuer!r}, OIDC_ISSUER is {settings.OIDC_ISSUER!r}",
        )
    try:
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        return Metadata(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            algorithms=tuple(a for a in SIGNING_ALGORITHMS if a in offered),
        )
    except KeyError as exc:
        raise ProviderUnreachable(
            "The sign-in provider's configuration is incomplete.",
            detail=f"discovery lacks {exc}",
        ) from exc


def _session(redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=settings.OIDC_TIMEOUT_SECONDS,
    )


def start(redirect_uri: str, next_url: str) -> tuple[str, PendingSignIn]:
    """The provider's authorization URL to send the person to, and what to remember."""
    metadata = discover()
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        next_url=next_url,
    )
    url, _ = _session(redirect_uri).create_authorization_url(
        metadata.authorization_endpoint,
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
    )
    return url, pending


def finish(pending: PendingSignIn | None, params: Any, redirect_uri: str) -> dict[str, Any]:
    """Check the provider's redirect back, exchange its code and return the ID token's
    claims once every check passed."""
    if params.get("error"):
        raise ProviderRefused(
            "The sign-in provider did not sign you in"
            + (f": {params.get('error_description')}" if params.get("error_description") else ".")
            + " You can try again.",
            detail=f"error={params.get('error')}",
        )
    state = params.get("state", "")
    if pending is None or not state or not secrets.compare_digest(state, pending.state):
        raise BadCallback(
            "This sign-in link does not match the one Casework started (parameter: state). "
            "Start again from the sign-in page.",
            detail="no sign-in pending" if pending is None else "state differs",
        )
    code = params.get("code", "")
    if not code:
        raise BadCallback("The provider sent no code (parameter: code). Start again.")
    metadata = discover()
    try:
        token = _session(redirect_uri).fetch_token(
            metadata.token_endpoint, code=code, code_verifier=pending.code_verifier
        )
    except AuthlibBaseError as exc:
        raise ProviderRefused(
            "The sign-in provider refused to complete this sign-in. Start again.",
            detail=f"token endpoint: {exc.error} {exc.description or ''}".strip(),
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnreachable(
            "The sign-in provider stopped answering during sign-in. Try again in a minute.",
            detail=f"token endpoint: {exc}",
        ) from exc
    id_token = token.get("id_token")
    if not id_token:
        raise BadIdToken("The sign-in provider sent no ID token.", detail="no id_token")
    return validate_id_token(str(id_token), metadata, pending.nonce)


def validate_id_token(id_token: str, metadata: Metadata, nonce: str) -> dict[str, Any]:
    """The claims of an ID token signed by the provider's key, issued by it, for this
    client, not expired, and answering this sign-in's nonce."""
    refused = "The sign-in provider's answer failed Casework's checks, so you are not signed in."
    try:
        keys = KeySet.import_key_set(_get_json(metadata.jwks_uri, "jwks"))
    except (JoseError, ValueError, TypeError) as exc:
        raise ProviderUnreachable(refused, detail=f"jwks: {exc}") from exc
    try:
        claims = jwt.decode(id_token, keys, algorithms=list(metadata.algorithms)).claims
        JWTClaimsRegistry(
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": settings.OIDC_CLIENT_ID},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except ClaimError as exc:
        raise BadIdToken(refused, detail=f"claim {exc.claim}: {exc}") from exc
    except (JoseError, ValueError) as exc:
        raise BadIdToken(refused, detail=f"{type(exc).__name__}: {exc}") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
        raise BadIdToken(refused, detail="several audiences and azp is not this client")
    return claims
