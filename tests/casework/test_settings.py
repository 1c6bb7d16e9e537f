"""Settings come from the environment; production mode refuses to start without real secrets."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

from django.conf import settings

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


def start_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process with this environment (no embedded servers)."""
    clean = environment_without("SECRET_KEY", "EVIDENCE_KEYS", "DEBUG")
    clean.update(
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        DJANGO_SETTINGS_MODULE="casework.settings",
    )
    clean.update(env)
    return python(clean, "-c", "from django.conf import settings; print(settings.DEBUG)")


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
        "print(settings.DEBUG, settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True redis+socket://")
    assert not (tmp_path / "pgdata").exists()
    assert not list(tmp_path.glob("broker*"))


def test_the_entry_points_start_the_embedded_services(tmp_path):
    """manage.py (like the WSGI app and the Celery command line) starts them first."""
    connect = "from django.db import connection; connection.ensure_connection(); print('up')"
    result = development_run(tmp_path, "manage.py", "shell", "-c", connect)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("up")
    assert (tmp_path / "pgdata").is_dir()
