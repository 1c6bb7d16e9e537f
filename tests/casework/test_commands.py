"""Operator commands: create_intake_token, load_demo."""

from __future__ import annotations

import hashlib
import io
import json
import stat

import pytest
from django.core.management import call_command
from django.test import Client

from casework.models import AuditEvent
from reports.models import IntakeToken, Report
from tests.conftest import report_document

pytestmark = pytest.mark.django_db


def test_create_intake_token_prints_it_once_and_stores_a_hash():
    out, err = io.StringIO(), io.StringIO()
    call_command("create_intake_token", "photos-app", stdout=out, stderr=err)
    token = out.getvalue().strip()
    row = IntakeToken.objects.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert "shown once" in err.getvalue()
    event = AuditEvent.objects.get(action="intake_token.created")
    assert event.data == {"platform": "photos-app", "prefix": row.prefix}
    assert token not in str(event.data)
    response = Client().post(
        "/api/v1/reports",
        report_document(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201


def test_load_demo_twice_adds_nothing_twice(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    reports = Report.objects.count()
    assert reports == 10
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert Report.objects.count() == reports
    assert "Demo reports added: 0" in out.getvalue()


def test_demo_credentials_are_printed_on_the_first_start_only(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    first = io.StringIO()
    call_command("load_demo", stdout=first)
    state_file = tmp_path / "demo.json"
    state = json.loads(state_file.read_text())
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    secrets = [user["password"] for user in state["users"].values()]
    secrets += [user["totp"] for user in state["users"].values() if "totp" in user]
    secrets.append(state["token"])
    assert len(secrets) == 5 + 3 + 1  # five users, three with a second factor, one token
    for secret in secrets:
        assert secret in first.getvalue()
    assert str(state_file) in first.getvalue()

    later = io.StringIO()
    call_command("load_demo", stdout=later)
    printed = [secret for secret in secrets if secret in later.getvalue()]
    assert not printed, "a later start printed demo credentials"
    assert "otpauth://" not in later.getvalue()
    lines = [line for line in later.getvalue().splitlines() if str(state_file) in line]
    assert len(lines) == 1, later.getvalue()
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
