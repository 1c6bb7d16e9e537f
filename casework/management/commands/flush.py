"""Django's flush, with the emptying done as the tables' owner: the application's role may
not empty the audit log, and the audit tables refuse TRUNCATE unless their owner asks for it
in its session. Only in the local run or on a test database (the test suite empties its tables
this way between transactional tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal, sql_flush
from django.db import connections

from casework import db_roles


class Command(flush.Command):
    def handle(self, **options):
        owner = db_roles.owner_alias()
        database = options["database"]
        if not settings.LOCAL_RUN and not connections[database].settings_dict["NAME"].startswith(
            "test_"
        ):
            raise CommandError("flush would empty the audit log: refused outside the local run.")
        if not owner or options["interactive"]:
            return super().handle(**options)
        statements = sql_flush(
            no_style(),
            connections[database],
            reset_sequences=options.get("reset_sequences", True),
            allow_cascade=options.get("allow_cascade", False),
        )
        # A plain connection of the owner's, not the "owner" alias: a test that uses only the
        # default alias may not open that alias, and the session's setting must not outlive
        # the flush.
        with db_roles.owner_session() as session, session.transaction():
            session.execute("SET LOCAL casework.audit_truncate = 'allowed'")
            for statement in statements:
                session.execute(statement)
        if statements and not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], False, database)
