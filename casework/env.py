"""Reading the environment: the settings and the development launcher decide from the same
rules, so what the launcher starts is exactly what the settings will look for."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the development launcher publishes the embedded services it started, for the
# settings of this process and of every child (web, worker, beat) to read.
EMBEDDED_DATABASE_URL = "CASEWORK_EMBEDDED_DATABASE_URL"
EMBEDDED_OWNER_DATABASE_URL = "CASEWORK_EMBEDDED_OWNER_DATABASE_URL"
EMBEDDED_BROKER_URL = "CASEWORK_EMBEDDED_BROKER_URL"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc


def data_dir() -> Path:
    return Path(os.environ.get("CASEWORK_DATA_DIR", BASE_DIR / "var"))


def wants_embedded_database() -> bool:
    """No DATABASE_URL: the development run, on an embedded PostgreSQL."""
    return not os.environ.get("DATABASE_URL")


def local_run() -> bool:
    """The development run on this machine: embedded services, generated secrets, plain
    HTTP. On when there is no DATABASE_URL or when DEBUG is set on; LOCAL_RUN says outright."""
    return env_bool("LOCAL_RUN", default=env_bool("DEBUG", default=wants_embedded_database()))


def debug() -> bool:
    """Django's DEBUG (tracebacks in pages, every SQL query kept and formatted): off unless
    DEBUG says on, in the local run too, where it cost a third of intake's CPU."""
    return env_bool("DEBUG", default=False)


def wants_embedded_broker() -> bool:
    """No CELERY_BROKER_URL in the local run: an embedded Redis. Outside it the settings
    refuse instead (a production worker must not queue work where no other process can see
    it)."""
    return not os.environ.get("CELERY_BROKER_URL") and local_run()


def parse_evidence_keys(value: str) -> dict[str, bytes]:
    """Parse EVIDENCE_KEYS ("id:base64key,id:base64key"); the first key encrypts new evidence."""
    keys: dict[str, bytes] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("EVIDENCE_KEYS entries must look like id:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"EVIDENCE_KEYS key {key_id!r} is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"EVIDENCE_KEYS key {key_id!r} must be 32 bytes (AES-256)")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("EVIDENCE_KEYS holds no key")
    return keys


def parse_oidc_role_map(value: str, known_roles: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Parse OIDC_ROLE_MAP ("group=role,group=role") into (group, role) pairs, in the order
    written: a person in several mapped groups gets the role of the first one listed. A
    group may hold "=" ("a=b=reviewer" maps the group "a=b"), not ","."""
    pairs: list[tuple[str, str]] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        group, sep, role = item.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAP entries must look like group=role, not {item!r}"
            )
        if role not in known_roles:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAP maps {group!r} to {role!r}, which is not a role "
                f"(choose from {', '.join(known_roles)})"
            )
        if any(group == seen for seen, _ in pairs):
            raise ImproperlyConfigured(f"OIDC_ROLE_MAP lists the group {group!r} twice")
        pairs.append((group, role))
    if not pairs:
        raise ImproperlyConfigured("OIDC_ROLE_MAP maps no group to a role")
    return tuple(pairs)
