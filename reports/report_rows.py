"""Reports stored set-based: one `INSERT … ON CONFLICT DO NOTHING RETURNING` for one report or
many, its values prepared by each field exactly as the ORM's insert would (sealed fields
sealed, digests taken, received_at stamped)."""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from reports import sealing
from reports.models import Platform, Report
from reports.schemas import ReportIn
from reports.sealed_fields import DigestField, SealedField

# The columns of report_unique_external_id, the conflict a repeat hits.
CONFLICT_COLUMNS = ("platform_id", "source", "external_id_digest")

Key = tuple[str, str]  # (source, external_id): one report per platform


def key_of(report: ReportIn) -> Key:
    return (report.source, report.external_id)


def new_row(
    *, platform: Platform, report: ReportIn, payload: dict[str, Any], status: str, pixels: int
) -> Report:
    """An unsaved Report for a validated document."""
    return Report(
        platform=platform,
        source=report.source,
        external_id=report.external_id,
        reported_at=report.reported_at,
        reason=report.reason,
        description=report.description,
        child_in_imminent_danger=report.child_in_imminent_danger,
        jurisdiction=report.jurisdiction or "",
        content=_dump(report.content),
        uploader=_dump(report.uploader),
        reporter=_dump(report.reporter),
        victim=_dump(report.victim),
        classifier=_dump(report.classifier),
        raw_payload=payload,
        status=status,
        pixels=pixels,
    )


def _dump(part: Any) -> dict[str, Any]:
    return part.model_dump(mode="json", exclude_none=True) if part is not None else {}


@cache
def _fields() -> list[Any]:
    return [f for f in Report._meta.concrete_fields if not f.primary_key]


def insert_new(rows: list[Report]) -> tuple[list[Report], dict[Key, Report]]:
    """Insert the rows whose (platform, source, external_id) is not stored yet (one row in one
    round trip, many in three: see _insert_copied); return those inserted, with pk and state
    set as a save would set them, and the stored report (id and status) each skipped row
    repeats. A row racing another
    transaction's insert of the same key waits for it and is skipped if it commits; that
    report may then be missing from the second answer, committed after this statement
    began. The rows' keys must be distinct; the inserted are returned in key order."""
    if not rows:
        return [], {}
    params = _values(rows)
    # In key order: two transactions inserting overlapping keys then take the unique index's
    # entries in the same order and wait for each other instead of deadlocking.
    order = sorted(range(len(rows)), key=lambda i: (rows[i].source, rows[i].external_id_digest))
    rows, params = [rows[i] for i in order], [params[i] for i in order]
    # Prepared once per connection and bound on the server: the statement's 24 values are
    # not quoted into its text, and PostgreSQL does not parse and plan it again.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        if len(rows) == 1:
            only = rows[0]  # then its key, by which the statement looks a repeat up
            key = [only.platform_id, only.source, only.external_id_digest]
            cursor.execute(_insert_sql(), [*params[0], *key], prepare=True)
            answers = [cursor.fetchone()]
        else:
            answers = _insert_copied(cursor, params)
    inserted, earlier = [], {}
    for row, answer in zip(rows, answers, strict=True):
        if answer is None:
            continue
        pk, status, created = answer
        if created:
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias
            inserted.append(row)
        else:
            earlier[(row.source, row.external_id)] = _stored(pk, status)
    return inserted, earlier


def _values(rows: list[Report]) -> list[list[Any]]:
    """Each row's insert values, as its fields' pre_save and get_db_prep_save give them (the
    sealed and digest fields' with the current key looked up once for all the rows)."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup a value
    seal, digest = sealing.Sealer(), sealing.Digester()
    params = []
    for row in rows:
        values = []
        for f in _fields():
            if isinstance(f, SealedField):
                values.append(f.sealed(getattr(row, f.attname), seal))
            elif isinstance(f, DigestField):
                values.append(f.stamp(row, digest))
            else:
                values.append(f.get_db_prep_save(f.pre_save(row, True), db))
        params.append(values)
    return params


@cache
def _insert_sql() -> str:
    """Insert one report, or else answer the stored one with its key (in one statement the
    second SELECT does not see the first's insert, so only one of them answers)."""
    fields = _fields()
    quote = connection.ops.quote_name
    table = quote(Report._meta.db_table)
    # Only names from the model and placeholders go into the text; values are parameters.
    return (
        f"WITH new AS (INSERT INTO {table} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(CONFLICT_COLUMNS)}) DO NOTHING RETURNING id, status) "
        "SELECT id, status, true FROM new UNION ALL "
        f"(SELECT id, status, false FROM {table} WHERE "
        f"{' AND '.join(f'{c} = %s' for c in CONFLICT_COLUMNS)} ORDER BY id LIMIT 1)"
    )


def _stored(pk: int, status: str) -> Report:
    """A stored report as a repeat is answered: its id and status, nothing else read."""
    return Report.from_db(DEFAULT_DB_ALIAS, ["id", "status"], [pk, status])


# The rows of one many-row insert, copied in first. It lives as long as the connection and
# is emptied at each commit, so the catalog is not written for every batch.
BATCH_TABLE = "report_batch"


def _insert_copied(cursor: Any, params: list[list[Any]]) -> list[Any]:
    """Many rows as two statements: COPY into the session's batch table, then one INSERT …
    SELECT … ON CONFLICT DO NOTHING, which answers each row (a statement per row costs
    PostgreSQL an executor start and its row triggers a query each; one statement lets the
    triggers take all the rows at once). In a transaction: the table empties at commit."""
    with transaction.atomic(savepoint=False):
        # Emptied too in case an earlier batch of this transaction left its rows.
        cursor.execute(f"{_batch_table_sql()}; DELETE FROM {BATCH_TABLE}")  # noqa: S608
        with cursor.copy(_copy_sql()) as copy:
            for n, row in enumerate(params):
                copy.write_row((n, *row))
        cursor.execute(_from_batch_sql())
        answers: list[Any] = [None] * len(params)
        for n, pk, status, created in cursor.fetchall():
            answers[n] = (pk, status, created)
    return answers


def _insert_columns() -> list[str]:
    return [f.column for f in _fields()]


@cache
def _batch_table_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _insert_columns())
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {BATCH_TABLE} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT 0 AS n, {columns} FROM {quote(Report._meta.db_table)} WITH NO DATA"
    )


@cache
def _copy_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _insert_columns())
    return f"COPY {BATCH_TABLE} (n, {columns}) FROM STDIN"


@cache
def _from_batch_sql() -> str:
    """Insert the copied rows in key order (see insert_new), each answered by its n: the new
    ones from RETURNING, the others by the stored report (which the statement's snapshot
    shows as it was before the statement, so a row is answered once)."""
    quote = connection.ops.quote_name
    table = quote(Report._meta.db_table)
    columns = ", ".join(quote(c) for c in _insert_columns())
    key = ", ".join(CONFLICT_COLUMNS)
    return (
        f"WITH new AS (INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {columns} FROM {BATCH_TABLE} ORDER BY source, external_id_digest "
        f"ON CONFLICT ({', '.join(CONFLICT_COLUMNS)}) DO NOTHING "
        "RETURNING id, status, platform_id, source, external_id_digest) "
        f"SELECT b.n, new.id, new.status, true FROM new JOIN {BATCH_TABLE} b USING ({key}) "
        f"UNION ALL SELECT b.n, r.id, r.status, false FROM {BATCH_TABLE} b "
        f"JOIN {table} r USING ({key})"
    )


def rotating_keys() -> bool:
    """While more than one evidence key is listed, a stored report's digest may be under an
    older key, which the unique constraint (on the current key's digest) does not see."""
    return len(settings.EVIDENCE_KEYS) > 1


def existing(platform: Platform, keys: list[Key]) -> dict[Key, Report]:
    """The stored reports for these keys, in one query; sealed fields deferred, so a repeat is
    answered without opening them."""
    if not keys:
        return {}
    field = Report._meta.get_field("external_id_digest")
    by_digest: dict[tuple[str, str], Key] = {}
    for source, external_id in keys:
        for digest in field.candidates(external_id):
            by_digest[(source, digest)] = (source, external_id)
    rows = Report.objects.filter(
        platform=platform, external_id_digest__in={digest for _, digest in by_digest}
    ).only("id", "status", "source", "external_id_digest")
    found: dict[Key, Report] = {}
    for row in rows.order_by("id"):
        key = by_digest.get((row.source, row.external_id_digest))
        if key is not None:
            found.setdefault(key, row)
    return found
