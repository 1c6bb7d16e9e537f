"""Who may do what in PostgreSQL. Migrations run as the owner of the tables (the "owner"
database alias, DATABASE_OWNER_URL); the application runs as its own role (DATABASE_URL),
which may read and write the tables it works on but may only INSERT and SELECT the audit
log: no UPDATE, DELETE or TRUNCATE, no ownership, no triggers. So a compromised web or
worker process cannot rewrite the audit trail; an owner who does is caught by the signed
checkpoints (casework.audit.checkpoints).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from psycopg import sql

OWNER_ALIAS = "owner"
AUDIT_TABLES = ("casework_auditevent", "casework_auditseal")
_DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool"}


def owner_alias() -> str | None:
    """The database alias migrations run as, when one is configured."""
    return OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else None


@contextmanager
def owner_session() -> Iterator[psycopg.Connection]:
    """A psycopg connection of the tables' owner, outside Django's connection handling."""
    owner = connections[OWNER_ALIAS].settings_dict
    options = {k: v for k, v in owner["OPTIONS"].items() if k not in _DJANGO_ONLY_OPTIONS}
    parameters = {
        "dbname": owner["NAME"],
        "user": owner["USER"],
        "password": owner["PASSWORD"] or None,
        "host": owner["HOST"] or None,
        "port": owner["PORT"] or None,
    }
    with psycopg.connect(**(parameters | options), autocommit=True) as session:
        yield session


def app_role() -> str:
    return settings.DATABASES["default"]["USER"]


def ensure_app_role(using: str) -> None:
    """Create the application's role (as the owner) if it does not exist yet: it can log in
    and nothing else. A configured password is set on every run, so changing it in the
    deployment's settings and migrating again is enough."""
    role, password = app_role(), settings.DATABASES["default"].get("PASSWORD") or None
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
        name = sql.Identifier(role)
        if exists and password:
            statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password))
        elif exists:
            return
        else:
            statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
            statement = statement.format(name)
            if password:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        cursor.execute(statement)


def grant_app_role(using: str) -> None:
    """After migrating: the application's role may use every table, and only append to and
    read the audit log."""
    role = sql.Identifier(app_role())
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(connections[using].settings_dict["NAME"]), role
        ),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
        sql.SQL(
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
        ).format(role),
    ]
    for table in AUDIT_TABLES:
        statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), role))
        statements.append(
            sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(table), role)
        )
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def privilege_problems(using: str = "default") -> list[str]:
    """Why this connection's role is too powerful to run the application as."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT rolsuper, current_user FROM pg_roles WHERE rolname = current_user")
        superuser, user = cursor.fetchone()
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tablename = ANY(%s) "
            "AND pg_has_role(current_user, tableowner, 'MEMBER')",
            [list(AUDIT_TABLES)],
        )
        owned = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL AND ("
            "has_table_privilege(t, 'UPDATE') OR has_table_privilege(t, 'DELETE') "
            "OR has_table_privilege(t, 'TRUNCATE'))",
            [list(AUDIT_TABLES)],
        )
        rewritable = [row[0] for row in cursor.fetchall()]
    problems = []
    if superuser:
        problems.append(f"the database role {user!r} is a superuser")
    if owned:
        problems.append(f"the database role {user!r} owns {', '.join(owned)}")
    elif rewritable:
        problems.append(f"the database role {user!r} may rewrite {', '.join(rewritable)}")
    return problems


def refuse_privileged_role() -> None:
    """At start-up of the web server and the worker: outside the local run, refuse to run as a role
    that could rewrite the audit log."""
    if settings.LOCAL_RUN:
        return
    if problems := privilege_problems():
        raise ImproperlyConfigured(
            "Casework will not run as this database role: "
            + "; ".join(problems)
            + ". Set DATABASE_URL to the application's own role and DATABASE_OWNER_URL to the "
            "tables' owner (used by migrate only); see the README's deployment section."
        )
