"""The Docker image, checked without a Docker engine: what the Dockerfile installs, runs and
sets, and its build step that runs Django (collectstatic), replayed here with the
Dockerfile's own build-time values. No database is needed.

It also tests the scan of which environment variables the settings read
(tests/deploy/compose.py), which these checks and the compose file's both rely on.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

from tests.deploy.compose import (
    DOCKERFILE,
    ROOT,
    RUNTIME_VARIABLES,
    names_read,
    settings_variables,
)

# --- which environment variables the settings read -----------------------------------------


def test_the_scan_sees_every_form_of_read_and_nothing_else():
    source = """
import os
A = os.environ.get("READ_GET", "x")
B = os.environ["READ_ITEM"]
C = env_bool("READ_BOOL", default=False)
D = env_int("READ_INT", 3)
E = os.getenv("READ_GETENV")
os.environ.setdefault("READ_SETDEFAULT", "y")
# os.environ.get("IN_A_COMMENT")
F = "os.environ.get('IN_A_STRING')"
G = {"NOT_READ": 1}.get("NOT_READ")
def env_bool(name, default):
    return os.environ.get(name)
"""
    assert names_read(source) == {
        "READ_GET",
        "READ_ITEM",
        "READ_BOOL",
        "READ_INT",
        "READ_GETENV",
        "READ_SETDEFAULT",
    }


def test_the_scan_finds_what_the_settings_read():
    names = settings_variables()
    expected = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "SECRET_KEY",
        "EVIDENCE_KEYS",
        "DEBUG",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "CASEWORK_DATA_DIR",
        "EVIDENCE_DIR",
        "GUNICORN_BIND",
        "WEB_CONCURRENCY",
    }
    assert expected <= names, f"not found by the scan: {sorted(expected - names)}"
    assert "DATABSE_URL" not in names


# --- the Dockerfile ------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    pairs = []
    for line in lines:
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_dockerfile_installs_the_locked_dependencies():
    steps = dockerfile_instructions()
    assert steps[0][0] == "FROM" and "python:3.11-slim" in steps[0][1]
    assert any(kw == "COPY" and "requirements.lock" in args for kw, args in steps)
    installs = [args for kw, args in steps if kw == "RUN" and "pip install" in args]
    assert any(re.search(r"-r\s+\S*requirements\.lock\b", args) for args in installs), installs
    assert any("--no-deps" in args for args in installs), "the project goes in without deps"


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    steps = dockerfile_instructions()
    users = [args for kw, args in steps if kw == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    final_stage = max(i for i, (kw, _) in enumerate(steps) if kw == "FROM")
    assert any(kw == "USER" for kw, _ in steps[final_stage:])
    cmd = [args for kw, args in steps if kw == "CMD"][-1]
    assert json.loads(cmd) == [
        "gunicorn",
        "-c",
        "python:casework.gunicorn_conf",
        "casework.wsgi:application",
    ]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for kw, args in dockerfile_instructions():
        if kw == "ENV":
            for part in shlex.split(args):
                key, _, value = part.partition("=")
                env[key] = value
    return env


def test_dockerfile_sets_only_variables_the_settings_read():
    env = dockerfile_env()
    assert env["GUNICORN_BIND"] == "0.0.0.0:8000"
    read = settings_variables()
    allowed = RUNTIME_VARIABLES | {"PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}
    unknown = set(env) - read - allowed
    assert not unknown, f"Dockerfile ENV sets {sorted(unknown)}, which the settings never read"


def test_build_time_collectstatic_works_without_database_or_broker(tmp_path):
    """Replays the Dockerfile's collectstatic step with its own throwaway values: settings
    must accept them, and the step must not need the (absent) database or broker."""
    step = next(
        args for kw, args in dockerfile_instructions() if kw == "RUN" and "collectstatic" in args
    )
    words = shlex.split(step)
    assignments = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        assignments[key] = value
    assert {"SECRET_KEY", "EVIDENCE_KEYS", "DATABASE_URL", "CELERY_BROKER_URL"} <= set(assignments)
    assert words[:2] == ["python", "manage.py"] and "collectstatic" in words
    # The image's own ENV, with its paths moved under tmp_path.
    env = {
        **{k: v for k, v in dockerfile_env().items() if k != "PATH"},
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "CASEWORK_DATA_DIR": str(tmp_path / "data"),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **assignments,
    }
    result = subprocess.run(
        [sys.executable, *words[1:]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "admin").is_dir()
    # Nothing embedded was started: no database or broker files in the data folder.
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
