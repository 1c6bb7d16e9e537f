"""The exchanges' admin page: configuration, progress (records, pages, last page, state) and
the last error, and a "fetch now" action. Credentials are never shown, only whether each
environment variable is set."""

from __future__ import annotations

import os

from django.contrib import admin, messages
from django.db import transaction

from reports.exchanges.credentials import REQUIRED, variable_names
from reports.exchanges.models import Exchange

PROGRESS = [
    "state",
    "fetched_count",
    "pages_count",
    "last_page_at",
    "last_fetch_at",
    "last_error",
    "checkpoint",
    "credentials",
]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "hash_list",
        "enabled",
        "state",
        "records",
        "last_run",
        "short_error",
    ]
    list_filter = ["kind", "enabled", "state"]
    fields = ["name", "kind", "environment", "hash_list", "enabled", *PROGRESS]
    readonly_fields = PROGRESS
    actions = ["fetch_now"]

    @admin.display(description="Records", ordering="fetched_count")
    def records(self, exchange: Exchange) -> int:
        return exchange.fetched_count

    @admin.display(description="Last run", ordering="last_fetch_at")
    def last_run(self, exchange: Exchange):
        return exchange.last_fetch_at

    @admin.display(description="Last error")
    def short_error(self, exchange: Exchange) -> str:
        error = exchange.last_error
        return error if len(error) <= 40 else error[:39] + "…"

    @admin.display(description="Credentials (environment)")
    def credentials(self, exchange: Exchange) -> str:
        if not exchange.name or exchange.kind not in REQUIRED:
            return "—"
        names = variable_names(exchange)
        return ", ".join(
            f"{name} {'set' if os.environ.get(name) else 'NOT SET'}"
            + (" (optional)" if name == names[-1] else "")
            for name in names
        )

    @admin.action(description="Fetch now")
    def fetch_now(self, request, queryset) -> None:
        from reports.exchanges.tasks import fetch_exchange

        ids = list(queryset.values_list("pk", flat=True))
        for exchange_id in ids:
            transaction.on_commit(lambda pk=exchange_id: fetch_exchange.delay(pk))
        self.message_user(request, f"{len(ids)} exchange(s) queued to fetch", messages.SUCCESS)
