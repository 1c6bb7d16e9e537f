"""The web server and the worker refuse, with DEBUG off, to run as a database role that could
rewrite the audit log; as the application's own role they start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connections

from casework.devrun.services import APP_ROLE

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "database-role-test-secret-key-0123456789",
    "EVIDENCE_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
    "ALLOWED_HOSTS": "localhost",
}
WEB = [sys.executable, "-c", "import casework.wsgi"]
WORKER = [sys.executable, "-m", "celery", "-A", "casework", "worker", "--pool=solo"]


def _url(role: str) -> str:
    """The test database, as role, over the embedded server's socket."""
    database = connections["owner"].settings_dict
    return f"postgresql://{role}@/{database['NAME']}?host={database['OPTIONS']['host']}"


def _start(command: list[str], role: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "DATABASE"))}
    env = keep | PRODUCTION | {"DATABASE_URL": _url(role)}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [WEB, WORKER], ids=["web", "worker"])
def test_start_up_refuses_the_tables_owner(command):
    started = _start(command, connections["owner"].settings_dict["USER"])
    assert started.returncode != 0
    assert "Casework will not run as this database role" in started.stderr
    assert "superuser" in started.stderr


def test_the_web_server_starts_as_the_application_role():
    started = _start(WEB, APP_ROLE)
    assert started.returncode == 0, started.stderr
