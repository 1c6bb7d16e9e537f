"""The docker compose deployment, checked as far as a machine without a Docker engine can.

`docker-compose config` renders docker/compose.yaml (interpolation, anchors, required
variables); the rendered services are then held against what the settings actually read.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.compose import (
    COMPOSE_FILE,
    DOCKER,
    DOCKERFILE,
    ENV_EXAMPLE,
    ROOT,
    RUNTIME_VARIABLES,
    SETTINGS_NAMES,
    SETTINGS_SOURCES,
    settings_variables,
)

APP_SERVICES = ("web", "worker", "beat", "migrate")
# What the test passes for compose's required variables (not secrets: never used to run).
REQUIRED = {
    "SECRET_KEY": "compose-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "EVIDENCE_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "POSTGRES_PASSWORD": "composetestpassword",
    "APP_DATABASE_PASSWORD": "composetestapppassword",
}
COMPOSE = shutil.which("docker-compose")
NO_COMPOSE = (
    "the docker-compose binary is not installed (Debian: apt-get install docker-compose;"
    " `python3 dev.py test` installs it when run as root)"
)
needs_compose = pytest.mark.skipif(COMPOSE is None, reason=NO_COMPOSE)


# --- rendering the compose file ------------------------------------------------------------


def _without(name: str, value: str | None = None) -> dict[str, str]:
    env = {key: val for key, val in REQUIRED.items() if key != name}
    if value is not None:
        env[name] = value
    return env


# name -> (environment, env file or None for an empty one); each is one `config` run.
RENDERINGS: dict[str, tuple[dict[str, str], Path | None]] = {
    "required set": (REQUIRED, None),
    "example env file": ({}, ENV_EXAMPLE),
    "SECRET_KEY unset": (_without("SECRET_KEY"), None),
    "SECRET_KEY empty": (_without("SECRET_KEY", ""), None),
    "EVIDENCE_KEYS unset": (_without("EVIDENCE_KEYS"), None),
    "POSTGRES_PASSWORD unset": (_without("POSTGRES_PASSWORD"), None),
    "APP_DATABASE_PASSWORD unset": (_without("APP_DATABASE_PASSWORD"), None),
}


@pytest.fixture(scope="module")
def renderings(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """`docker-compose config` for every case in RENDERINGS, run side by side (each takes a
    couple of seconds to start). Each sees exactly its environment plus PATH and HOME, and
    no docker/.env: a developer's shell or local .env must not satisfy a required variable."""
    if COMPOSE is None:
        pytest.skip(NO_COMPOSE)
    home = tmp_path_factory.mktemp("compose")
    empty = home / "empty.env"
    empty.write_text("")
    running = {}
    for case, (env, env_file) in RENDERINGS.items():
        args = [COMPOSE, "--env-file", str(env_file or empty), "-f", str(COMPOSE_FILE), "config"]
        running[case] = subprocess.Popen(
            args,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
    results = {}
    try:
        for case, process in running.items():
            stdout, stderr = process.communicate(timeout=60)
            results[case] = subprocess.CompletedProcess(
                process.args, process.returncode, stdout, stderr
            )
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


@pytest.fixture(scope="module")
def compose_config(request) -> dict[str, Any]:
    """The rendered compose file; without docker-compose, the file as YAML (anchors and
    merge keys resolved by PyYAML, ${...} left as written), so the structure is still checked."""
    if COMPOSE is None:
        return yaml.safe_load(COMPOSE_FILE.read_text())
    result = request.getfixturevalue("renderings")["required set"]
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name, for the named volumes a service mounts."""
    found = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target = rest.split(":")[0]
        else:
            source, target = volume.get("source", ""), volume.get("target", "")
        found[target] = source
    return found


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command") or []
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


@needs_compose
def test_compose_config_renders_with_the_required_variables(compose_config):
    services = compose_config["services"]
    assert set(services) == {*APP_SERVICES, "postgres", "redis"}
    for name in APP_SERVICES:
        env = environment(services[name])
        assert env["SECRET_KEY"] == REQUIRED["SECRET_KEY"], name
        assert env["EVIDENCE_KEYS"] == REQUIRED["EVIDENCE_KEYS"], name
        assert env["DATABASE_URL"].startswith("postgres://casework_app:"), name
        assert REQUIRED["APP_DATABASE_PASSWORD"] in env["DATABASE_URL"], name
        assert REQUIRED["POSTGRES_PASSWORD"] not in env["DATABASE_URL"], name
    postgres_env = environment(services["postgres"])
    assert postgres_env["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]


@needs_compose
def test_only_migrate_has_the_owners_password(compose_config):
    """The web server, the worker and beat run as a role that cannot rewrite the audit log;
    the owner's password is given to migrate alone."""
    services = compose_config["services"]
    owner_url = environment(services["migrate"])["DATABASE_OWNER_URL"]
    assert owner_url.startswith("postgres://casework:")
    assert REQUIRED["POSTGRES_PASSWORD"] in owner_url
    for name in ("web", "worker", "beat"):
        env = environment(services[name])
        assert "DATABASE_OWNER_URL" not in env, name
        assert not any(REQUIRED["POSTGRES_PASSWORD"] in value for value in env.values()), name


@needs_compose
@pytest.mark.parametrize("case", [case for case in RENDERINGS if case.endswith(("unset", "empty"))])
def test_compose_config_refuses_a_missing_required_variable(renderings, case):
    missing = case.split()[0]
    result = renderings[case]
    assert result.returncode != 0, f"compose rendered with {case}:\n{result.stdout}"
    # The guard's own message (`${NAME:?set NAME ...}`) names the variable.
    assert f"set {missing}" in result.stdout + result.stderr, result.stderr


@needs_compose
def test_the_example_env_file_names_every_required_variable(renderings):
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_FILE.read_text()))
    assert required == set(REQUIRED)
    example = {
        line.partition("=")[0].strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert required <= example, f"missing from .env.example: {sorted(required - example)}"
    result = renderings["example env file"]
    assert result.returncode == 0, result.stderr


# --- the rendered services against the settings --------------------------------------------


def test_app_services_pass_only_variables_the_settings_read(compose_config):
    read = settings_variables()
    for name in APP_SERVICES:
        passed = set(environment(compose_config["services"][name]))
        unknown = passed - read - RUNTIME_VARIABLES
        assert not unknown, (
            f"service {name} passes {sorted(unknown)}, which none of {SETTINGS_NAMES} reads "
            "(a typo, or a setting that does not exist)"
        )


def test_app_services_run_production_settings(compose_config):
    for name in APP_SERVICES:
        env = environment(compose_config["services"][name])
        assert env["DEBUG"] == "false", name
        # Without these the settings would start an embedded PostgreSQL or Redis.
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["DATABASE_URL"].split("@", 1)[1].startswith("postgres:"), name
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:"), name
        assert {"SECRET_KEY", "EVIDENCE_KEYS", "ALLOWED_HOSTS", "CASEWORK_DATA_DIR"} <= set(env)


def test_web_trusts_its_one_tls_proxy(compose_config):
    """Without TRUSTED_PROXY_COUNT the sign-in throttle and the audit log would see the
    proxy's address for every member of staff; without TRUST_X_FORWARDED_PROTO every request
    would look like plain HTTP and be redirected to HTTPS forever."""
    env = environment(compose_config["services"]["web"])
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert env["TRUST_X_FORWARDED_PROTO"] == "true"


@needs_compose
def test_the_web_service_passes_the_deployment_check(compose_config, tmp_path):
    """`manage.py check --deploy` with exactly the web service's environment (its folders
    moved here; nothing is connected to) finds nothing to warn about."""
    env = environment(compose_config["services"]["web"])
    env.update(
        CASEWORK_DATA_DIR=str(tmp_path),
        EVIDENCE_DIR=str(tmp_path / "evidence"),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        DJANGO_SETTINGS_MODULE="casework.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_web_and_worker_share_the_evidence_volume(compose_config):
    services = compose_config["services"]
    volumes = set(compose_config.get("volumes") or {})
    sources = []
    for name in ("web", "worker"):
        evidence_dir = environment(services[name])["EVIDENCE_DIR"]
        source = mounts(services[name]).get(evidence_dir)
        assert source in volumes, f"{name}: EVIDENCE_DIR {evidence_dir} is not on a named volume"
        sources.append((source, evidence_dir))
    assert sources[0] == sources[1], f"web and worker see different evidence: {sources}"


def test_data_dirs_and_the_beat_schedule_are_on_volumes(compose_config):
    services = compose_config["services"]
    volumes = set(compose_config.get("volumes") or {})
    for name in APP_SERVICES:
        data_dir = environment(services[name])["CASEWORK_DATA_DIR"]
        assert mounts(services[name]).get(data_dir) in volumes, f"{name}: {data_dir}"
    # beat writes its schedule to --schedule/-s if given, else to the settings' default,
    # $CASEWORK_DATA_DIR/celerybeat-schedule: either way it must land on a volume.
    beat = services["beat"]
    schedule = str(Path(environment(beat)["CASEWORK_DATA_DIR"]) / "celerybeat-schedule")
    args = command(beat)
    for i, part in enumerate(args):
        if part in {"-s", "--schedule"}:
            schedule = args[i + 1]
        elif part.startswith("--schedule="):
            schedule = part.split("=", 1)[1]
    assert mounts(beat).get(str(Path(schedule).parent)) in volumes, schedule
    assert "CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR" in SETTINGS_SOURCES[0].read_text()


def test_migrate_runs_once_before_web_and_worker(compose_config):
    services = compose_config["services"]
    assert command(services["migrate"])[-2:] == ["migrate", "--noinput"]
    # A restart policy on a one-shot would run it again and again.
    assert str(services["migrate"].get("restart", "no")) == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_and_redis_keep_their_data(compose_config):
    services = compose_config["services"]
    volumes = set(compose_config.get("volumes") or {})
    postgres, redis = services["postgres"], services["redis"]
    assert str(postgres["image"]).startswith("postgres:16")
    assert mounts(postgres).get("/var/lib/postgresql/data") in volumes
    assert postgres["healthcheck"]["test"]
    assert str(redis["image"]).startswith("redis:7")
    assert mounts(redis).get("/data") in volumes
    redis_command = command(redis)
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert redis["healthcheck"]["test"]


def celery_app(args: list[str]) -> str | None:
    for i, part in enumerate(args):
        if part in {"-A", "--app"} and i + 1 < len(args):
            return args[i + 1]
        if part.startswith("--app="):
            return part.split("=", 1)[1]
    return None


def test_services_run_the_casework_celery_app_and_gunicorn_config(compose_config):
    services = compose_config["services"]
    worker, beat, web = (command(services[name]) for name in ("worker", "beat", "web"))
    assert worker[0] == "celery" and "worker" in worker and celery_app(worker) == "casework"
    assert beat[0] == "celery" and "beat" in beat and celery_app(beat) == "casework"
    assert web[:3] == ["gunicorn", "-c", "python:casework.gunicorn_conf"]
    assert web[-1] == "casework.wsgi:application"
    assert environment(services["web"])["GUNICORN_BIND"] == "0.0.0.0:8000"


def test_build_context_is_the_repository_root(compose_config):
    for name in APP_SERVICES:
        build = compose_config["services"][name]["build"]
        context = (DOCKER / build["context"]).resolve()
        assert context == ROOT, name
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE
