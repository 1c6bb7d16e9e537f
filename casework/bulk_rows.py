"""Many new rows of one model in one pipelined round trip: the filer opens hundreds of cases,
links and audit events a batch, and Django's bulk_create spends more on building and quoting
its one long statement than PostgreSQL spends on inserting the rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)


def insert_rows(rows: Sequence[M], *, ignore_conflicts: bool = False) -> list[M]:
    """Insert the unsaved rows as save() would (auto_now fields stamped, values prepared by
    their fields) with one prepared statement executed per row, values bound on the server.
    Each row gets its pk, except that with ignore_conflicts nothing is returned."""
    rows = list(rows)
    if not rows:
        return rows
    opts = type(rows[0])._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup a value
    params = [[f.get_db_prep_save(f.pre_save(row, True), db) for f in fields] for row in rows]
    quote = connection.ops.quote_name
    # Only names from the model and placeholders go into the text; values are parameters.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        if ignore_conflicts:
            cursor.executemany(f"{sql} ON CONFLICT DO NOTHING", params)
            return rows
        cursor.executemany(f"{sql} RETURNING {quote(opts.pk.column)}", params, returning=True)
        for row in rows:
            row.pk = cursor.fetchone()[0]
            row._state.adding = False
            row._state.db = connection.alias
            cursor.nextset()
    return rows
