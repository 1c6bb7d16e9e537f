"""Django's flush, run as the tables' owner: the application's role may not empty the audit
log, and the audit tables refuse TRUNCATE unless their owner asks for it in its session.
Only with DEBUG on or on a test database (the test suite empties its tables this way)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from casework import db_roles


class Command(flush.Command):
    def handle(self, **options):
        owner = db_roles.owner_alias()
        name = connections[owner or options["database"]].settings_dict["NAME"]
        if not settings.DEBUG and not name.startswith("test_"):
            raise CommandError("flush would empty the audit log: refused with DEBUG off.")
        if not owner:
            return super().handle(**options)
        # A connection of its own: a test that only uses the default alias has the owner's
        # shared connection switched off, and this session's setting must not outlive it.
        shared, own = connections[owner], connections.create_connection(owner)
        connections[owner] = own
        try:
            with own.cursor() as cursor:
                cursor.execute("SET casework.audit_truncate = 'allowed'")
            return super().handle(**options | {"database": owner})
        finally:
            connections[owner] = shared
            own.close()
