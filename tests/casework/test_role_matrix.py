"""Every URL × every role: allowed, or refused (403 or a redirect to sign in). A new view
that is not in the matrix fails test_every_view_is_in_the_matrix."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casework import roles
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

R, L, AU, AD = roles.REVIEWER, roles.ESCALATION_LEAD, roles.AUDITOR, roles.ADMIN
EVERYONE = {R, L, AU, AD}

# name: (method, roles allowed). "public" views answer anyone.
MATRIX = {
    "queues": ("get", EVERYONE),
    "case-search": ("get", EVERYONE),
    "case": ("get", EVERYONE),
    "queue-cases": ("get", {R, L, AD}),
    "claim-next": ("post", {R, L}),
    "case-claim": ("post", {R, L}),
    "case-decide": ("post", {R, L}),
    "case-release": ("post", {R, L}),
    "case-lease": ("post", {R, L}),
    "media-reveal": ("post", {R, L}),
    "media-metadata": ("post", {R, L}),
    "media-enlarged": ("post", {R, L}),
    "media-reblurred": ("post", {R, L}),
    "media-play": ("post", {R, L}),
    "case-approve": ("post", {L}),
    "case-return": ("post", {L}),
    "case-reassign": ("post", {L}),
    "case-merge": ("post", {L}),
    "case-split": ("post", {L}),
    "case-evidence-package": ("post", {L}),
    "legal-hold-place": ("post", {AD}),
    "legal-hold-lift": ("post", {AD}),
    "media-preview": ("get", {R, L, AD}),
    "audit": ("get", {AU, AD}),
    "escalations": ("get", {L, AD}),
    "escalation-retry": ("post", {L}),
    "webhook-retry": ("post", {L}),
    "escalation-retract": ("post", {L}),
    "escalation-manual": ("get", {L}),
    "escalation-reference": ("post", {L}),
    "escalation-document": ("get", {L, AU, AD}),
    "hash-review": ("get", {L, AD}),
    "hash-entry-confirm": ("post", {L, AD}),
    "hash-entry-disable": ("post", {L, AD}),
    "stats": ("get", {L, AD}),
    "stats-export": ("get", {L, AD}),
    "view-settings": ("get", {R, L, AD}),
    "team-view-settings": ("get", {L, AD}),
    "view-preset": ("get", {R, L, AD}),
    "team-view-preset": ("get", {L, AD}),
    "wellbeing": ("get", {R, L, AD}),
    "wellbeing-team": ("get", {L, AD}),
    "wellbeing-break": ("post", {R, L}),
    "wellbeing-break-dismiss": ("post", {R, L}),
    "wellbeing-opt-outs": ("post", {R, L}),
    "wellbeing-cap": ("post", {L, AD}),
    "resources": ("get", EVERYONE),
}
# The single sign-on round trip starts before anyone is known (tests/casework/test_oidc.py).
PUBLIC = {"home", "healthz", "login", "otp", "logout", "oidc-login", "oidc-callback"}
# Guarded by a bearer token of its own, not a role (tests/casework/test_metrics.py).
TOKEN_GUARDED = {"metrics"}


def named_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in {"admin", "api-v1"}:
                continue  # the admin and the API have their own guards, tested elsewhere
            yield from named_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


def test_every_view_is_in_the_matrix():
    assert set(named_routes()) == set(MATRIX) | PUBLIC | TOKEN_GUARDED


ARGS = {
    "slug": "csam",
    "case_id": 999999,
    "media_id": 999999,
    "escalation_id": 999999,
    "document_id": 999999,
    "delivery_id": 999999,
    "hold_id": 999999,
    "entry_id": 999999,
    "scope": "video",
}


def url_for(name: str) -> str:
    params = get_resolver().reverse_dict.getlist(name)[0][0][0][1]
    return reverse(name, kwargs={k: ARGS[k] for k in params})


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", sorted(EVERYONE) + ["anonymous"])
def test_role_matrix(name, role):
    method, allowed = MATRIX[name]
    client = Client() if role == "anonymous" else signed_in(make_user(f"u-{role}", role))
    response = getattr(client, method)(url_for(name))
    if role in allowed:
        # allowed through the role check: the view itself answers (404 for the made-up ids,
        # a redirect after a refused action, 409 for a lease not held, 200)
        assert response.status_code in {200, 302, 403, 404, 409}
        if response.status_code == 403:
            assert b"Not for your role" not in response.content
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/login/")
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
        assert b"Not for your role" in response.content
