"""Shared fixtures: intake tokens, an API client, and the real Celery worker process."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from reports.tokens import create_intake_token

ROOT = settings.BASE_DIR


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker) -> Iterator[None]:
    """The test database made and migrated by the tables' owner (the "owner" alias), which
    then grants the application's role what it may do; the tests run as that role, as the
    application does. (pytest-django's setup would make it as the default alias's role.)"""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    from casework import db_roles

    verbosity = request.config.option.verbose
    owner = db_roles.owner_alias()
    with django_db_blocker.unblock():
        if owner is None:  # DATABASE_URL without DATABASE_OWNER_URL: one role does all
            config = setup_databases(verbosity=verbosity, interactive=False, aliases={"default"})
        else:
            real_name = connections[owner].settings_dict["NAME"]
            connections[owner].creation.create_test_db(verbosity=verbosity, autoclobber=True)
            connections["default"].close()
            connections["default"].creation.set_as_test_mirror(connections[owner].settings_dict)
    yield
    with django_db_blocker.unblock():
        if owner is None:
            teardown_databases(config, verbosity=verbosity)
        else:
            connections["default"].close()
            connections[owner].creation.destroy_test_db(real_name, verbosity=verbosity)


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path) -> None:
    """Each test signs its audit checkpoints into a folder of its own: a checkpoint of one
    test's chain would not match the next test's."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture
def token(db) -> str:
    return create_intake_token("test-platform", created_by="system:test")[1]


@pytest.fixture
def other_token(db) -> str:
    return create_intake_token("other-platform", created_by="system:test")[1]


class IntakeClient:
    """Django's test client speaking the intake API with a bearer token."""

    def __init__(self, token: str):
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, document: Any, **extra: Any):
        return self.client.post(
            "/api/v1/reports", document, content_type="application/json", **self.auth, **extra
        )

    def post_raw(self, body: bytes, content_type: str, **extra: Any):
        return self.client.generic(
            "POST", "/api/v1/reports", body, content_type=content_type, **self.auth, **extra
        )

    def post_multipart(self, fields: dict[str, Any]):
        return self.client.post("/api/v1/reports", fields, **self.auth)

    def get(self, report_id: int):
        return self.client.get(f"/api/v1/reports/{report_id}", **self.auth)


@pytest.fixture
def intake(token) -> IntakeClient:
    return IntakeClient(token)


def report_document(external_id: str = "ext-1", **overrides: Any) -> dict[str, Any]:
    """A valid intake document; overrides replace top-level fields."""
    document: dict[str, Any] = {
        "source": "user_report",
        "external_id": external_id,
        "reported_at": datetime(2026, 11, 1, 12, 0, tzinfo=UTC).isoformat(),
        "reason": "csam",
        "description": "synthetic test report",
        "child_in_imminent_danger": False,
        "jurisdiction": "US",
        "content": {"id": "post-1", "url": "https://example.invalid/p/1"},
        "uploader": {
            "id": "u1",
            "screen_name": "someone",
            "email": "someone@example.invalid",
            "ip_events": [{"ip": "192.0.2.7", "type": "upload", "at": "2026-11-01T11:00:00Z"}],
        },
        "reporter": {"id": "r1", "kind": "user"},
        "classifier": {"name": "clf", "score": 0.97, "labels": ["x"]},
    }
    document.update(overrides)
    return document


def media_item(data: bytes, filename: str = "a.jpg") -> dict[str, str]:
    return {"filename": filename, "content_base64": base64.b64encode(data).decode()}


_worker_running: list[subprocess.Popen] = []


def wait_until_worker_idle(timeout: float = 30.0) -> None:
    """Wait until the broker queue is empty and the worker runs nothing, so that the tables a
    transactional test flushes are not locked by a task it left behind."""
    from casework.celery import app

    deadline = time.monotonic() + timeout
    inspector = app.control.inspect(timeout=0.5)
    while time.monotonic() < deadline:
        with app.connection_for_write() as conn:
            queued = conn.default_channel.client.llen("celery")
        busy = [t for tasks in (inspector.active() or {}).values() for t in tasks]
        busy += [t for tasks in (inspector.reserved() or {}).values() for t in tasks]
        if not queued and not busy:
            return
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def _quiet_worker_before_flush(request):
    """After a transactional test, let the worker finish what the test queued."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if _worker_running and marker and marker.kwargs.get("transaction"):
        wait_until_worker_idle()


def start_worker(log, *options: str, **env: str) -> subprocess.Popen:
    """A real `celery -A casework worker` process on the test database and the suite's
    broker, writing to log; options and env are added to the worker's own."""
    url = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "casework",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *options,
        ],
        cwd=ROOT,
        env=dict(
            os.environ,
            DATABASE_URL=urlunsplit(url),
            DEBUG="true",
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            AUDIT_CHECKPOINT_DIR=str(settings.DATA_DIR / "worker-audit-checkpoints"),
            **env,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """The suite's worker, started once."""
    log = open(settings.DATA_DIR / "test-worker.log", "w")  # noqa: SIM115 (closed below)
    worker = start_worker(log, "--purge")
    deadline = time.monotonic() + 60
    while "ready." not in (settings.DATA_DIR / "test-worker.log").read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start; see var/test/test-worker.log")
        time.sleep(0.2)
    _worker_running.append(worker)
    yield worker
    _worker_running.clear()
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


def wait_for(predicate, timeout: float = 30.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real password hashing costs a quarter second per sign-in; tests sign in hundreds of
    times and do not test the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
