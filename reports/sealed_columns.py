"""Migrating plaintext columns to sealed ones and back, in batches (for the migrations that
seal personal data already stored; see sealing.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reports import sealing
from reports.sealed_fields import digest_purpose, normal_text

BATCH = 1000


@dataclass(frozen=True)
class Digest:
    """A digest column kept of a sealed column, or of one key of a sealed JSON object."""

    column: str
    of: str
    key: str = ""
    casefold: bool = False

    def value(self, table: str, plain: dict[str, Any]) -> str:
        value = plain[self.of]
        if self.key:
            value = value.get(self.key) if isinstance(value, dict) else None
        text = normal_text(value, self.casefold)
        return sealing.digest(digest_purpose(table, self.of, self.key), text) if text else ""


def _plain(value: Any, kind: str) -> Any:
    if kind == "json" and isinstance(value, str | bytes):
        return json.loads(value)
    return value


def _to_bytes(value: Any, kind: str) -> bytes:
    if kind == "json":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return str(value).encode()


def _rows(cursor: Any, table: str, columns: list[str]):
    last = 0
    while True:
        cursor.execute(
            f"SELECT id, {', '.join(columns)} FROM {table} "  # noqa: S608 (the migration's names)
            "WHERE id > %s ORDER BY id LIMIT %s",
            [last, BATCH],
        )
        batch = cursor.fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def seal_columns(
    schema_editor: Any, table: str, columns: dict[str, str], digests: tuple[Digest, ...] = ()
) -> None:
    """Replace each plaintext column (name -> "text" or "json") with its sealed bytes, and
    fill the digest columns, which must exist."""
    names = list(columns)
    with schema_editor.connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {name}__sealed bytea")
        sets = ", ".join(f"{n}__sealed = %s" for n in names)
        sets += "".join(f", {d.column} = %s" for d in digests)
        for batch in _rows(cursor, table, names):
            updates = []
            for row_id, *values in batch:
                plain = {n: _plain(v, columns[n]) for n, v in zip(names, values, strict=True)}
                sealed = [
                    sealing.seal(_to_bytes(plain[n], columns[n]), f"{table}.{n}") for n in names
                ]
                updates.append([*sealed, *(d.value(table, plain) for d in digests), row_id])
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", updates)  # noqa: S608
        _swap(cursor, table, names)


def unseal_columns(schema_editor: Any, table: str, columns: dict[str, str]) -> None:
    """The reverse of seal_columns: plaintext columns again (digest columns are left)."""
    names = list(columns)
    types = {"text": "text", "json": "jsonb"}
    with schema_editor.connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {name}__sealed {types[columns[name]]}")
        sets = ", ".join(f"{n}__sealed = %s" for n in names)
        for batch in _rows(cursor, table, names):
            updates = []
            for row_id, *values in batch:
                opened = [
                    sealing.unseal(bytes(v), f"{table}.{n}").decode()
                    for n, v in zip(names, values, strict=True)
                ]
                updates.append([*opened, row_id])
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", updates)  # noqa: S608
        _swap(cursor, table, names)


def _swap(cursor: Any, table: str, names: list[str]) -> None:
    for name in names:
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        cursor.execute(f"ALTER TABLE {table} RENAME COLUMN {name}__sealed TO {name}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {name} SET NOT NULL")
