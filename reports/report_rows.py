"""Reports stored set-based: one `INSERT … ON CONFLICT DO NOTHING RETURNING` for one report or
many, its values prepared by each field exactly as the ORM's insert would (sealed fields
sealed, digests taken, received_at stamped)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from reports.models import Platform, Report
from reports.schemas import ReportIn

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


def _fields() -> list[Any]:
    return [f for f in Report._meta.concrete_fields if not f.primary_key]


def insert_new(rows: list[Report]) -> list[Report]:
    """Insert the rows whose (platform, source, external_id) is not stored yet, in one round
    trip; return those inserted, with pk and state set as a save would set them. A row
    racing another transaction's insert of the same key waits for it and is skipped if it
    commits. The rows' keys must be distinct; the inserted are returned in key order."""
    if not rows:
        return []
    fields = _fields()
    params = [[_prepared(f, row) for f in fields] for row in rows]
    # In key order: two transactions inserting overlapping keys then take the unique index's
    # entries in the same order and wait for each other instead of deadlocking.
    order = sorted(range(len(rows)), key=lambda i: (rows[i].source, rows[i].external_id_digest))
    rows, params = [rows[i] for i in order], [params[i] for i in order]
    quote = connection.ops.quote_name
    # Only names from the model and placeholders go into the text; values are parameters.
    sql = (
        f"INSERT INTO {quote(Report._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(CONFLICT_COLUMNS)}) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, params[0])
            pks = [cursor.fetchone()]
        else:
            # One short statement, pipelined for every row: a multi-row VALUES list costs
            # more to build and parse on the client than the rows cost to insert.
            pks = _returned_by_each(cursor.cursor, sql, params)
    inserted = []
    for row, returned in zip(rows, pks, strict=True):
        if returned is not None:
            row.pk = returned[0]
            row._state.adding = False
            row._state.db = connection.alias
            inserted.append(row)
    return inserted


def _prepared(field: Any, row: Report) -> Any:
    return field.get_db_prep_save(field.pre_save(row, True), connection)


def _returned_by_each(cursor: Any, sql: str, params: list[list[Any]]) -> list[Any]:
    """executemany with RETURNING: the row each parameter set returned (None if skipped)."""
    cursor.executemany(sql, params, returning=True)
    returned = []
    while True:
        returned.append(cursor.fetchone())
        if not cursor.nextset():
            return returned


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
