"""Taking in many reports in one request: each item validated and stored on its own, with its
own answer, the items without media stored together in one INSERT per chunk."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import DatabaseError, transaction

from reports import report_rows
from reports.intake import (
    CheckedMedia,
    IntakeRefused,
    raw_payload,
    read_json,
    receive_report,
    validate,
)
from reports.models import Platform, Report
from reports.schemas import ReportIn
from reports.signals import report_ready

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# Items stored together, one transaction each. All items are read (and counted against
# the limit) before any is stored; the request's size limit bounds what that holds.
CHUNK = 500


@dataclass
class ItemResult:
    """One item's answer: 201 or 200 with the report, or an error status with its errors."""

    index: int
    status: int
    report: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    retry_after: int | None = None

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.report is not None:
            answer["report"] = self.report
        else:
            answer["errors"] = self.errors
        if self.retry_after is not None:
            answer["retry_after"] = self.retry_after
        return answer


@dataclass
class _Spent:
    pixels: int = 0


@dataclass
class _Valid:
    index: int
    document: dict[str, Any]
    report: ReportIn
    media: list[CheckedMedia]


def json_array_items(body: bytes) -> list[Any]:
    """The items of a JSON array body, or IntakeRefused for the request as a whole."""
    items = read_json(body, "body", 400)
    if not isinstance(items, list):
        raise IntakeRefused(422, [{"field": "body", "message": "must be a JSON array of reports"}])
    return items


def ndjson_items(lines: Iterable[bytes]) -> Iterator[Any | IntakeRefused]:
    """One parsed document per non-blank line, or the IntakeRefused naming that line's problem
    (a bad line is that item's error, not the request's)."""
    index = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            yield read_json(line, f"[{index}]", 400)
        except IntakeRefused as refused:
            yield refused
        index += 1


def receive_batch(
    platform: Platform, items: Iterable[Any | IntakeRefused], max_items: int
) -> list[ItemResult]:
    """Validate and store every item, CHUNK at a time; a repeat of an earlier item (in this
    request or before it) answers 200 with the first report. IntakeRefused(413) once the
    request holds more than max_items, before any is stored."""
    read: list[tuple[int, Any]] = []
    for index, item in enumerate(items):
        if index >= max_items:  # a streamed body is read no further
            message = f"more than {max_items} reports in one request"
            raise IntakeRefused(413, [{"field": "body", "message": message}])
        read.append((index, item))
    if not read:
        raise IntakeRefused(422, [{"field": "body", "message": "holds no reports"}])
    results: list[ItemResult] = []
    firsts: dict[report_rows.Key, ItemResult] = {}
    spent = _Spent()  # the request's pixel budget holds for all its reports together
    for start in range(0, len(read), CHUNK):
        results += _receive_chunk(platform, read[start : start + CHUNK], firsts, spent)
    return results


def _receive_chunk(
    platform: Platform,
    chunk: list[tuple[int, Any]],
    firsts: dict[report_rows.Key, ItemResult],
    spent: _Spent,
) -> list[ItemResult]:
    results: dict[int, ItemResult] = {}
    repeats: list[tuple[int, report_rows.Key]] = []
    plain: list[_Valid] = []
    plain_keys: set[report_rows.Key] = set()
    for index, item in chunk:
        valid = _validated(index, item, results, spent)
        if valid is None:
            continue
        spent.pixels += sum(m.info.pixels for m in valid.media)
        key = report_rows.key_of(valid.report)
        if key in firsts or key in plain_keys:
            repeats.append((index, key))
        elif valid.media:
            results[index] = firsts[key] = _receive_with_media(platform, valid)
        else:
            plain.append(valid)
            plain_keys.add(key)
    for valid, result in zip(plain, _receive_plain_or_retry_later(platform, plain), strict=True):
        results[valid.index] = firsts[report_rows.key_of(valid.report)] = result
    for index, key in repeats:
        results[index] = _repeat_of(index, firsts[key])
    return [results[index] for index, _ in chunk]


def _validated(
    index: int, item: Any, results: dict[int, ItemResult], spent: _Spent
) -> _Valid | None:
    try:
        if isinstance(item, IntakeRefused):
            raise item
        report, media = validate(item, [], spent.pixels)
    except IntakeRefused as refused:
        results[index] = ItemResult(index, refused.status, errors=_at(index, refused.errors))
        return None
    return _Valid(index, item, report, media)


def _at(index: int, errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """The item's errors with fields named from the request: [3].uploader.email."""
    return [{**e, "field": _field_at(index, e["field"])} for e in errors]


def _field_at(index: int, field: str) -> str:
    prefix = f"[{index}]"
    if field.startswith(prefix):
        return field
    return prefix if field == "body" else f"{prefix}.{field}"


def _repeat_of(index: int, first: ItemResult) -> ItemResult:
    status = 200 if first.status == 201 else first.status
    prefix = f"[{first.index}]"
    errors = [{**e, "field": f"[{index}]" + e["field"][len(prefix) :]} for e in first.errors]
    return ItemResult(index, status, first.report, errors, first.retry_after)


def _receive_with_media(platform: Platform, valid: _Valid) -> ItemResult:
    try:
        row, created = receive_report(
            platform=platform,
            report=valid.report,
            media=valid.media,
            payload=raw_payload(valid.document, []),
        )
    except IntakeRefused as refused:
        errors = _at(valid.index, refused.errors)
        return ItemResult(
            valid.index, refused.status, errors=errors, retry_after=refused.retry_after
        )
    return ItemResult(valid.index, 201 if created else 200, _answer(row))


def _receive_plain_or_retry_later(platform: Platform, items: list[_Valid]) -> list[ItemResult]:
    """The chunk stored, or, if the database refused it (its transaction rolled back whole),
    503 for each of its items, so the request still answers every item and the others stand."""
    try:
        return _receive_plain(platform, items)
    except (DatabaseError, psycopg.Error):
        log.exception("a batch chunk of %s reports could not be stored", len(items))
    message = "could not be stored just now; send it again (nothing of it was kept)"
    return [
        ItemResult(
            v.index,
            503,
            errors=[{"field": f"[{v.index}]", "message": message}],
            retry_after=RETRY_AFTER_SECONDS,
        )
        for v in items
    ]


def _receive_plain(platform: Platform, items: list[_Valid]) -> list[ItemResult]:
    """Store reports without media in one transaction: one lookup while keys rotate, one
    INSERT … ON CONFLICT DO NOTHING that also answers the repeats (and writes audit events)."""
    if not items:
        return []
    keys = [report_rows.key_of(v.report) for v in items]
    with transaction.atomic():
        found = report_rows.existing(platform, keys) if report_rows.rotating_keys() else {}
        rows = {
            key: report_rows.new_row(
                platform=platform,
                report=v.report,
                payload=raw_payload(v.document, []),
                status=Report.Status.PROCESSED,
                pixels=0,
            )
            for key, v in zip(keys, items, strict=True)
            if key not in found
        }
        inserted, earlier = report_rows.insert_new(list(rows.values()))
        found |= earlier
        created = {(row.source, row.external_id) for row in inserted}
        lost = [key for key in rows if key not in created and key not in found]
        found |= report_rows.existing(platform, lost)
        for row in inserted:  # each one's report.received is written by the database
            report_ready.send(sender=Report, report=row)
    results = []
    for key, valid in zip(keys, items, strict=True):
        if key in created:
            results.append(ItemResult(valid.index, 201, _answer(rows[key])))
        elif key in found:
            results.append(ItemResult(valid.index, 200, _answer(found[key])))
        else:  # the first was deleted between our insert and the lookup
            error = {"field": f"[{valid.index}].external_id", "message": "changed meanwhile"}
            results.append(ItemResult(valid.index, 409, errors=[error]))
    return results


def _answer(row: Report) -> dict[str, Any]:
    return {"id": row.pk, "status": row.status}
