"""Signing in: password, TOTP step, throttling, security headers, the add_user command."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import accounts, roles
from casework.middleware import SESSION_REFRESH_SECONDS, SESSION_REFRESHED_AT
from casework.models import AuditEvent
from tests.helpers import PASSWORD, current_code, make_user, signed_in

pytestmark = pytest.mark.django_db


def test_reviewer_signs_in_with_password_only():
    user = make_user("rev", roles.REVIEWER)
    client = signed_in(user)
    assert client.get("/queues/").status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", target="user:rev").exists()


def test_lead_must_pass_totp_before_anything():
    lead = make_user("lead", roles.ESCALATION_LEAD)
    client = Client()
    client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    response = client.get("/queues/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")
    step = client.get("/accounts/otp/").content
    assert b'aria-label="Main"' not in step and b'role="search"' not in step  # no navigation
    assert b"Sign out" in step
    assert client.post("/accounts/otp/", {"otp_token": "000000"}).status_code == 400
    # django-otp throttles a device after a failure; a person would wait a second
    TOTPDevice.objects.filter(user=lead).update(throttling_failure_timestamp=None)
    response = client.post("/accounts/otp/", {"otp_token": current_code(lead), "next": "/queues/"})
    assert response.status_code == 302
    assert client.get("/queues/").status_code == 200


def test_lead_without_device_cannot_work():
    from casework import accounts

    accounts.create_user("nodevice", role=roles.ESCALATION_LEAD, password=PASSWORD, created_by="t")
    client = Client()
    client.post("/accounts/login/", {"username": "nodevice", "password": PASSWORD})
    response = client.get("/queues/")
    assert response.status_code == 403
    assert b"Second factor required" in response.content
    assert b'aria-label="Main"' not in response.content


def test_failed_logins_are_throttled_and_audited(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user("rev", roles.REVIEWER)
    client = Client()
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "rev", "password": "x"})
        assert response.status_code == 200
    # even the right password is refused now
    response = client.post("/accounts/login/", {"username": "rev", "password": PASSWORD})
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="login.failed").count() == 3


def test_pages_carry_a_strict_csp_and_sessions_expire_when_idle(settings):
    client = signed_in(make_user("rev", roles.REVIEWER))
    response = client.get("/queues/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_requests_push_the_idle_expiry_on_at_most_once_a_minute():
    client = signed_in(make_user("rev", roles.REVIEWER))
    key = client.cookies["sessionid"].value

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    client.get("/queues/")
    first = expiry()
    client.get("/queues/")
    assert expiry() == first  # within the minute: the session row is left alone
    session = SessionStore(session_key=key)
    session[SESSION_REFRESHED_AT] -= SESSION_REFRESH_SECONDS
    session.save()
    saved = expiry()
    client.get("/queues/")
    assert expiry() > saved


def test_logout_is_a_post():
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/queues/").status_code == 302


def test_add_user_prints_otpauth_for_leads(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-good-long-password-9")
    out = io.StringIO()
    call_command(
        "add_user", "newlead", role="escalation_lead", password_env="NEW_PASSWORD", stdout=out
    )
    assert re.search(r"otpauth://totp/.+secret=", out.getvalue())
    out = io.StringIO()
    call_command("add_user", "newrev", role="reviewer", password_env="NEW_PASSWORD", stdout=out)
    assert "otpauth" not in out.getvalue()
    with pytest.raises(CommandError, match="exists"):
        call_command("add_user", "newrev", role="reviewer", password_env="NEW_PASSWORD")
    monkeypatch.setenv("WEAK", "123")
    with pytest.raises(CommandError, match="password refused"):
        call_command("add_user", "weak", role="reviewer", password_env="WEAK")


def test_enrol_totp_replaces_a_users_device_and_says_where_to_find_it():
    lead = make_user("lead", roles.ESCALATION_LEAD)
    old_key = TOTPDevice.objects.get(user=lead).key
    out = io.StringIO()
    call_command("enrol_totp", "lead", stdout=out)
    (device,) = TOTPDevice.objects.filter(user=lead)
    assert device.key != old_key and device.confirmed
    assert "otpauth://" in out.getvalue()
    assert AuditEvent.objects.filter(action="user.totp_enrolled", target="user:lead").count() == 2
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("enrol_totp", "nobody")


def test_the_second_factor_page_names_a_command_that_exists(client, settings):
    user = accounts.create_user("oidc-lead", role=roles.ESCALATION_LEAD, password=PASSWORD,
                                created_by="system:test")  # fmt: skip
    client.force_login(user)
    page = client.get("/queues/", follow=True).content.decode()
    assert "manage.py enrol_totp oidc-lead" in page
