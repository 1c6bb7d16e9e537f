"""Django's migrate, run as the tables' owner when one is configured (DATABASE_OWNER_URL),
then granting the application's role what it may do (casework.db_roles)."""

from __future__ import annotations

from django.core.management.commands import migrate

from casework import db_roles


class Command(migrate.Command):
    help = (
        "Apply migrations as the tables' owner (DATABASE_OWNER_URL, or the embedded server's "
        "owner), then grant the application's role (DATABASE_URL) its privileges: every table, "
        "but only SELECT and INSERT on the audit log."
    )

    def handle(self, *args, **options):
        owner = db_roles.owner_alias()
        if owner and options["database"] == "default":
            options["database"] = owner
        if owner and options["database"] == owner:
            db_roles.ensure_app_role(owner)
        super().handle(*args, **options)
        if owner and options["database"] == owner:
            db_roles.grant_app_role(owner)
