"""Single sign-on against a real OIDC provider (tests/oidc_provider.py, Authlib's
AuthorizationServer in its own process): the Django test client is Casework's side, and the
provider is reached over real HTTP, as a browser would follow the redirects."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from casework import accounts, roles, signin_throttle
from casework.models import AuditEvent, OidcIdentity
from tests.helpers import PASSWORD, current_code, make_user
from tests.oidc_helpers import at_provider, configure, free_port, path_of, running_provider

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/accounts/oidc/callback"


@pytest.fixture(scope="module")
def provider():
    with running_provider(CALLBACK) as running:
        yield running


@pytest.fixture
def oidc(settings, provider):
    configure(settings, provider.issuer)
    return provider


def start(client: Client, next_url: str = "") -> str:
    """Press "Sign in with": the provider URL Casework sends the browser to."""
    response = client.get("/accounts/oidc/login" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content
    return response["Location"]


def sign_in(client: Client, **person: str):
    """The whole round trip; returns Casework's answer to the provider's redirect back."""
    back = at_provider(start(client), **person)
    assert back.startswith(CALLBACK)
    return client.get(path_of(back))


def failures(reason: str):
    return AuditEvent.objects.filter(action="login.oidc_failed", data__reason=reason)


def user_named(name: str):
    return get_user_model().objects.get(username=name)


def test_login_page_offers_the_provider_beside_the_password_form(oidc):
    page = Client().get("/accounts/login/?next=/cases/").content.decode()
    assert 'name="password"' in page
    assert "Sign in with Test IdP" in page
    assert "/accounts/oidc/login?next=/cases/" in page


def test_login_page_without_oidc_has_no_button():
    assert b"Sign in with" not in Client().get("/accounts/login/").content
    assert Client().get("/accounts/oidc/login").status_code == 404


def test_the_authorization_request_carries_state_nonce_and_pkce(oidc):
    query = parse_qs(urlsplit(start(Client())).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["casework-test"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert "openid" in query["scope"][0].split()


def test_a_reviewer_signs_in_and_is_created_at_first_sign_in(oidc):
    client = Client()
    response = sign_in(client, sub="alice", groups="t&s,everyone", amr="pwd")
    assert response.status_code == 302 and response["Location"] == "/queues/"
    assert client.get("/queues/").status_code == 200
    user = user_named("alice")
    assert roles.has_role(user, roles.REVIEWER) and not user.has_usable_password()
    identity = OidcIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (oidc.issuer, "alice")
    assert AuditEvent.objects.filter(action="user.created", target="user:alice").exists()
    signed = AuditEvent.objects.get(action="login.oidc", target="user:alice")
    assert signed.data["role"] == roles.REVIEWER and signed.data["amr"] == ["pwd"]
    assert AuditEvent.objects.filter(action="login.succeeded", target="user:alice").exists()


def test_next_is_kept_through_the_provider(oidc):
    client = Client()
    back = at_provider(start(client, next_url="/cases/"))
    assert client.get(path_of(back))["Location"] == "/cases/"


def test_the_role_follows_the_groups_at_every_sign_in(oidc):
    sign_in(Client(), sub="bob", groups="t&s", amr="pwd")
    assert roles.has_role(user_named("bob"), roles.REVIEWER)
    # Promoted at the provider: the next sign-in makes bob a lead (the first listed wins).
    client = Client()
    response = sign_in(client, sub="bob", groups="t&s,t&s-leads", amr="pwd,mfa")
    assert response.status_code == 302
    bob = user_named("bob")
    assert set(bob.groups.values_list("name", flat=True)) == {roles.ESCALATION_LEAD}
    change = AuditEvent.objects.get(action="user.role_changed", target="user:bob")
    assert change.data == {"from": [roles.REVIEWER], "to": roles.ESCALATION_LEAD}
    assert get_user_model().objects.filter(username__startswith="bob").count() == 1
    # Made admin: the Django admin comes with the role, and goes with it.
    sign_in(Client(), sub="bob", groups="t&s-admins", amr="mfa")
    assert user_named("bob").is_staff and user_named("bob").is_superuser
    sign_in(Client(), sub="bob", groups="t&s", amr="pwd")
    assert not user_named("bob").is_staff
    assert AuditEvent.objects.filter(action="user.role_changed", target="user:bob").count() == 3


def test_no_mapped_group_is_refused_with_a_page(oidc):
    client = Client()
    response = sign_in(client, sub="mallory", groups="marketing", amr="pwd")
    assert response.status_code == 403
    assert b"no group that Casework" in response.content
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert client.get("/queues/").status_code == 302  # not signed in
    assert "marketing" in failures("no_mapped_group").get().data["detail"]


def test_a_lead_whose_provider_asserts_mfa_skips_the_totp_step(oidc):
    client = Client()
    sign_in(client, sub="carol", groups="t&s-leads", amr="pwd,otp")
    assert client.get("/queues/").status_code == 200
    assert AuditEvent.objects.get(action="login.oidc").data["second_factor"] == "provider"


def test_a_lead_without_mfa_needs_totp_and_is_refused_without_a_device(oidc):
    client = Client()
    response = sign_in(client, sub="dave", groups="t&s-leads", amr="pwd")
    assert response.status_code == 403
    assert b"needs a second factor" in response.content
    assert client.get("/queues/").status_code == 302
    assert failures("no_second_factor").get().target == "user:dave"
    # An admin enrols an authenticator: now the password-only provider sign-in leads to
    # Casework's own TOTP step, and nothing opens before it passes.
    dave = user_named("dave")
    accounts.enrol_totp(dave, created_by="system:test")
    client = Client()
    assert sign_in(client, sub="dave", groups="t&s-leads", amr="pwd").status_code == 302
    step = client.get("/queues/")
    assert step.status_code == 302 and step["Location"].startswith("/accounts/otp/")
    answer = client.post("/accounts/otp/", {"otp_token": current_code(dave), "next": "/queues/"})
    assert answer.status_code == 302
    assert client.get("/queues/").status_code == 200


def test_a_locked_account_is_not_let_in_by_the_provider(oidc, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    sign_in(Client(), sub="erin", groups="t&s")
    for _ in range(2):
        signin_throttle.record_failure("erin", "127.0.0.1", step="second_factor")
    client = Client()
    response = sign_in(client, sub="erin", groups="t&s")
    assert response.status_code == 429
    assert client.get("/queues/").status_code == 302


def test_a_local_account_is_never_taken_over_by_name(oidc):
    local = make_user("frank", roles.REVIEWER)
    sign_in(Client(), sub="frank", groups="t&s-admins", amr="mfa")
    local.refresh_from_db()
    assert not local.is_superuser and not OidcIdentity.objects.filter(user=local).exists()
    linked = OidcIdentity.objects.get(subject="frank").user
    assert linked.username.startswith("frank-") and linked.is_superuser
    assert Client().login(username="frank", password=PASSWORD)


def test_a_wrong_state_is_refused(oidc):
    client = Client()
    back = urlsplit(at_provider(start(client)))
    query = {k: v[0] for k, v in parse_qs(back.query).items()} | {"state": "forged"}
    response = client.get(f"{back.path}?{urlencode(query)}")
    assert response.status_code == 400 and b"parameter: state" in response.content
    assert failures("bad_callback").get().data["detail"] == "state differs"
    # And the real one cannot be used after: a sign-in is tried once.
    assert client.get(path_of(back.geturl())).status_code == 400


def test_a_callback_nobody_started_is_refused(oidc):
    response = Client().get("/accounts/oidc/callback?code=x&state=y")
    assert response.status_code == 400
    assert failures("bad_callback").get().data["detail"] == "no sign-in pending"


def test_the_person_cancelling_at_the_provider_is_a_clear_page(oidc):
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(f"/accounts/oidc/callback?error=access_denied&state={state}")
    assert response.status_code == 403 and b"did not sign you in" in response.content
    assert failures("provider_refused").exists()


@pytest.mark.parametrize(
    ("quirk", "detail"),
    [
        ("foreign_key", "BadSignatureError"),
        ("wrong_audience", "claim aud"),
        ("wrong_nonce", "claim nonce"),
        ("expired", "claim exp"),
    ],
)
def test_an_id_token_that_fails_its_checks_is_refused(oidc, quirk, detail):
    client = Client()
    response = sign_in(client, sub="grace", groups="t&s", quirk=quirk)
    assert response.status_code == 400 and b"failed Casework" in response.content
    assert detail in failures("bad_id_token").get().data["detail"]
    assert not get_user_model().objects.filter(username="grace").exists()
    assert client.get("/queues/").status_code == 302


def test_an_unreachable_provider_is_a_503_page_not_a_500(settings):
    configure(settings, f"http://127.0.0.1:{free_port()}")
    response = Client().get("/accounts/oidc/login")
    assert response.status_code == 503 and b"not answering" in response.content
    assert "discovery" in failures("provider_unreachable").get().data["detail"]


def test_a_provider_that_goes_down_mid_sign_in_is_a_503_page(settings):
    with running_provider(CALLBACK) as short_lived:
        configure(settings, short_lived.issuer)
        client = Client()
        back = at_provider(start(client))
    response = client.get(path_of(back))  # the provider stopped before the code exchange
    assert response.status_code == 503
    assert failures("provider_unreachable").exists()
