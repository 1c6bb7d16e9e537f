"""Sign-in throttling: one throttle for the sign-in page, the second-factor step and the
Django admin's login, keyed per (username, client address) and per username, never locking
one account for another's failures."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import roles
from casework.models import AuditEvent, LoginFailure
from tests.helpers import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db

ADDRESS_X = "198.51.100.10"
ADDRESS_Y = "198.51.100.20"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_ACCOUNT_LIMIT = 6
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(username: str, password: str, path: str = "/accounts/login/", **meta):
    meta.setdefault("REMOTE_ADDR", ADDRESS_X)
    return Client().post(path, {"username": username, "password": password}, **meta)


def fail(username: str, times: int, path: str = "/accounts/login/", **meta) -> None:
    for _ in range(times):
        response = sign_in(username, "wrong-password", path, **meta)
        assert response.status_code == 200, response.status_code


def assert_locked(response) -> None:
    assert response.status_code == 429, response.status_code
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert b"Try again after" in response.content


def test_the_admin_login_is_throttled():
    make_user("boss", roles.ADMIN)
    fail("boss", 3, "/admin/login/")
    assert_locked(sign_in("boss", PASSWORD, "/admin/login/"))
    assert not AuditEvent.objects.filter(action="login.succeeded").exists()


def test_admin_and_staff_page_failures_share_one_counter():
    make_user("boss", roles.ADMIN)
    fail("boss", 2, "/admin/login/")
    fail("boss", 1, "/accounts/login/")
    assert_locked(sign_in("boss", PASSWORD, "/admin/login/"))
    assert_locked(sign_in("boss", PASSWORD, "/accounts/login/"))


def test_failures_for_one_account_do_not_lock_another_from_the_same_address():
    make_user("alice", roles.REVIEWER)
    make_user("bob", roles.REVIEWER)
    fail("alice", 3)
    assert_locked(sign_in("alice", PASSWORD))
    assert sign_in("bob", PASSWORD).status_code == 302
    for n in range(10):  # a spray over many names from the same address
        fail(f"guess-{n}", 1)
    assert sign_in("bob", PASSWORD).status_code == 302


def test_an_account_locked_from_one_address_still_signs_in_from_another():
    make_user("alice", roles.REVIEWER)
    fail("alice", 3)
    assert_locked(sign_in("alice", PASSWORD))
    assert sign_in("alice", PASSWORD, REMOTE_ADDR=ADDRESS_Y).status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies():
    """A client cannot dodge the throttle by inventing a new X-Forwarded-For each time."""
    make_user("alice", roles.REVIEWER)
    for n in range(3):
        response = sign_in("alice", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 200
    assert_locked(sign_in("alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99"))
    actors = set(AuditEvent.objects.filter(action="login.failed").values_list("actor", flat=True))
    assert actors == {f"anonymous@{ADDRESS_X}"}


def test_forwarded_for_is_honoured_one_hop_from_the_right_with_one_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("alice", roles.REVIEWER)
    # Everything arrives from the proxy; what a client writes left of the proxy's own entry
    # changes nothing.
    for n in range(3):
        response = sign_in("alice", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.5")
        assert response.status_code == 200
    assert_locked(sign_in("alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.5"))
    # Another member of staff behind the same proxy is not locked out.
    assert sign_in("alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302
    actors = set(AuditEvent.objects.filter(action="login.failed").values_list("actor", flat=True))
    assert actors == {"anonymous@203.0.113.5"}
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.5"}


def test_a_malformed_forwarded_address_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("alice", roles.REVIEWER)
    fail("alice", 1, HTTP_X_FORWARDED_FOR="not-an-address")
    assert LoginFailure.objects.get().address == ADDRESS_X


def test_the_per_username_limit_counts_every_address():
    make_user("alice", roles.REVIEWER)
    for n in range(5):
        fail("alice", 1, REMOTE_ADDR=f"192.0.2.{n}")
    # five failures across addresses: under the account limit, and under each pair's limit
    assert sign_in("alice", PASSWORD, REMOTE_ADDR="192.0.2.50").status_code == 302
    fail("alice", 1, REMOTE_ADDR="192.0.2.60")
    assert_locked(sign_in("alice", PASSWORD, REMOTE_ADDR="192.0.2.70"))


def test_a_successful_sign_in_clears_the_address_counter():
    make_user("alice", roles.REVIEWER)
    fail("alice", 2)
    assert sign_in("alice", PASSWORD).status_code == 302
    fail("alice", 2)
    assert sign_in("alice", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="alice", address=ADDRESS_X).exists()


def test_a_locked_sign_in_says_when_to_try_again():
    make_user("alice", roles.REVIEWER)
    fail("alice", 3)
    response = sign_in("alice", PASSWORD)
    assert_locked(response)
    until = LoginFailure.objects.order_by("at").first().at + timedelta(minutes=15)
    assert until.strftime("%H:%M").encode() in response.content
    expected = (until - timezone.now()).total_seconds()
    assert abs(int(response["Retry-After"]) - expected) <= 5
    assert response["Cache-Control"]  # the lock page is never cached either


def test_failures_and_lock_outs_are_audited():
    make_user("alice", roles.REVIEWER)
    fail("alice", 3)
    assert_locked(sign_in("alice", PASSWORD))
    assert_locked(sign_in("alice", "wrong"))
    assert AuditEvent.objects.filter(action="login.failed", target="user:alice").count() == 3
    locked = AuditEvent.objects.get(action="login.locked")
    assert locked.actor == f"anonymous@{ADDRESS_X}" and locked.target == "user:alice"
    assert locked.data["scope"] == "address" and locked.data["until"]
    refused = AuditEvent.objects.filter(action="login.refused", target="user:alice")
    assert refused.count() == 2
    # a refused attempt is not counted as a failure: the lock does not grow by trying
    assert LoginFailure.objects.count() == 3


def test_the_account_lock_is_audited_with_its_scope():
    make_user("alice", roles.REVIEWER)
    for n in range(6):
        fail("alice", 1, REMOTE_ADDR=f"192.0.2.{n}")
    assert AuditEvent.objects.get(action="login.locked").data["scope"] == "account"


def test_the_second_factor_step_uses_the_same_throttle():
    lead = make_user("lead", roles.ESCALATION_LEAD)
    client = Client(REMOTE_ADDR=ADDRESS_X)
    assert client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}).status_code
    fail("lead", 1)  # a wrong password counts toward the same (username, address) counter
    for _ in range(2):
        TOTPDevice.objects.filter(user=lead).update(throttling_failure_timestamp=None)
        assert client.post("/accounts/otp/", {"otp_token": "000000"}).status_code == 400
    assert_locked(client.post("/accounts/otp/", {"otp_token": "000000"}))
    assert_locked(sign_in("lead", PASSWORD))
    assert AuditEvent.objects.filter(action="login.failed", target="user:lead").count() == 3


def test_a_lead_is_cleared_only_once_the_second_factor_passes():
    """The password alone does not reset the counter, or it would reset the TOTP guesses."""
    lead = make_user("lead", roles.ESCALATION_LEAD)
    fail("lead", 2)
    client = Client(REMOTE_ADDR=ADDRESS_X)
    response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    assert response.status_code == 302
    assert LoginFailure.objects.filter(username="lead").count() == 2
    assert client.post("/accounts/otp/", {"otp_token": current_code(lead)}).status_code == 302
    assert not LoginFailure.objects.filter(username="lead").exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit():
    make_user("alice", roles.REVIEWER)
    statuses: list[int] = []

    def guess() -> None:
        try:
            statuses.append(sign_in("alice", "wrong").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 3 + [429] * 5
    assert LoginFailure.objects.count() == 3
