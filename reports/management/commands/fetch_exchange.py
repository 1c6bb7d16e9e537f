"""Fetch one hash exchange now, in the foreground (the worker does it on its schedule)."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from reports.exchanges import fetching
from reports.exchanges.models import Exchange


class Command(BaseCommand):
    help = (
        "Fetch the exchange NAME into its hash list from its checkpoint on (as the worker does "
        "every EXCHANGE_FETCH_MINUTES); errors are kept on the exchange and shown here."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        exchange = Exchange.objects.filter(name=name).select_related("hash_list").first()
        if exchange is None:
            raise CommandError(f"no exchange named {name!r}")
        result = fetching.fetch(exchange, actor=f"system:cli:{getpass.getuser()}")
        if result is None:
            raise CommandError(f"{name} is being fetched already")
        if result.error:
            raise CommandError(f"{name}: {result.error} (after {result.pages} pages)")
        self.stdout.write(
            f"{name}: {result.records} records in {result.pages} pages, "
            f"{result.added} entries added, {result.removed} removed"
        )
