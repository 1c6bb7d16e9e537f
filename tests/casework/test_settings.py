"""Settings come from the environment; production mode refuses to start without real secrets."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

KEY = "k1:" + base64.b64encode(b"\x01" * 32).decode()
SECRET = "s" * 50


def environment_without(*names: str) -> dict[str, str]:
    """This process's environment less these variables and the embedded services the suite
    started (a fresh process must decide for itself)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in names and not k.startswith("CASEWORK_EMBEDDED_")
    }


def start_settings_environment() -> dict[str, str]:
    """A production process's environment: a database and broker named (nothing embedded
    starts, nothing is connected to), DEBUG and the secrets left to the caller."""
    clean = environment_without("SECRET_KEY", "EVIDENCE_KEYS", "DEBUG")
    clean.update(
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        DJANGO_SETTINGS_MODULE="casework.settings",
    )
    return clean


def start_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process with this environment (no embedded servers)."""
    return python(
        {**start_settings_environment(), **env},
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    )


def python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_without_secret_key():
    result = start_settings(EVIDENCE_KEYS=KEY)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_without_evidence_keys():
    result = start_settings(SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "EVIDENCE_KEYS must be set" in result.stderr


def test_production_refuses_a_weak_key():
    result = start_settings(SECRET_KEY="django-insecure-" + "x" * 40, EVIDENCE_KEYS=KEY)
    assert result.returncode != 0


def test_production_starts_with_real_secrets_and_debug_off():
    result = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_sqlite_is_refused():
    result = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY, DATABASE_URL="sqlite:///x.db")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_bad_number_is_named():
    result = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY, INTAKE_MAX_MEDIA_COUNT="many")
    assert result.returncode != 0
    assert "INTAKE_MAX_MEDIA_COUNT" in result.stderr


def test_production_refuses_without_a_broker():
    result = start_settings(SECRET_KEY=SECRET, EVIDENCE_KEYS=KEY, CELERY_BROKER_URL="")
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must be set when DEBUG is off" in result.stderr


def development_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run python with these arguments as a fresh development run in tmp_path would."""
    env = environment_without("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG")
    env.update(CASEWORK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="casework.settings")
    return python(env, *args)


def test_importing_the_settings_starts_nothing(tmp_path):
    """Tools that read the settings (and set Django up) start no embedded database or
    broker: that is the entry points' job."""
    result = development_run(
        tmp_path,
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LOCAL_RUN, settings.DEBUG, settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True False redis+socket://")
    assert not (tmp_path / "pgdata").exists()
    assert not list(tmp_path.glob("broker*"))


def test_the_entry_points_start_the_embedded_services(tmp_path):
    """manage.py (like the WSGI app and the Celery command line) starts them first."""
    connect = "from django.db import connection; connection.ensure_connection(); print('up')"
    result = development_run(tmp_path, "manage.py", "shell", "-c", connect)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("up")
    assert (tmp_path / "pgdata").is_dir()


# A production deployment behind the documented TLS proxy (docker/compose.yaml sets these).
PRODUCTION = {
    "SECRET_KEY": "production-like-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2,
    "EVIDENCE_KEYS": KEY,
    "ALLOWED_HOSTS": "casework.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://casework.example.org",
    "TRUST_X_FORWARDED_PROTO": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_the_deployment_check_is_clean_with_production_settings(tmp_path):
    result = start_settings(CASEWORK_DATA_DIR=str(tmp_path), **PRODUCTION)
    assert result.stdout.strip() == "False", result.stderr
    check = python(
        {**start_settings_environment(), "CASEWORK_DATA_DIR": str(tmp_path), **PRODUCTION},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
    assert "WARNING" not in check.stderr + check.stdout


SECURE_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def production_secure_settings(tmp_path) -> dict:
    """The HTTPS settings a production process computes, read from a fresh process."""
    names = ", ".join(repr(name) for name in SECURE_SETTINGS)
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in [{names}]}}))"
    )
    env = {**start_settings_environment(), "CASEWORK_DATA_DIR": str(tmp_path), **PRODUCTION}
    result = python(env, "-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.django_db
def test_production_redirects_to_https_and_sends_hsts_but_answers_health_checks(tmp_path, settings):
    values = production_secure_settings(tmp_path)
    for name, value in values.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    client = Client()
    plain = client.get("/queues/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/queues/"
    # the proxy's own health probe over plain HTTP is answered, not redirected
    assert client.get("/healthz").status_code == 200
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
