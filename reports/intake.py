"""Taking in a report: validate everything first, then store all of it or none of it."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from reports import budgets, report_rows, vault
from reports.media import MediaInfo, MediaRefused, declare, verify
from reports.models import Media, Platform, Report
from reports.schemas import ReportIn
from reports.signals import report_ready

log = logging.getLogger(__name__)


@dataclass
class Upload:
    """One file as it arrived: where in the request, what it is called, its bytes."""

    field: str
    filename: str
    data: bytes


@dataclass
class CheckedMedia:
    filename: str
    data: bytes
    info: MediaInfo


class IntakeRefused(Exception):
    """The request cannot be taken; errors name every bad field. retry_after: the seconds
    after which the same request may be taken (a rate limit)."""

    def __init__(self, status: int, errors: list[dict[str, str]], retry_after: int | None = None):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.retry_after = retry_after


# No field takes an integer longer than this; a longer one is read as a value no field accepts,
# so the error names its field (Python's int() refuses over 4300 digits, and slowly).
MAX_INTEGER_DIGITS = 40


class OversizedInteger:
    """An integer literal of more than MAX_INTEGER_DIGITS digits, left unconverted."""

    def __init__(self, digits: str):
        self.digits = len(digits)


def _integer(literal: str) -> int | OversizedInteger:
    if len(literal) > MAX_INTEGER_DIGITS:
        return OversizedInteger(literal)
    return int(literal)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read_json(text: str | bytes, field: str, status: int, message: str | None = None) -> Any:
    """Parse JSON from a client or refuse it naming field: with status and message (by default
    the parser's complaint) when it is not JSON or uses NaN or Infinity, with 422 when it nests
    deeper than Python can read."""
    try:
        return json.loads(text, parse_int=_integer, parse_constant=_refuse_constant)
    except RecursionError:
        raise IntakeRefused(422, [{"field": field, "message": "is nested too deeply"}]) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN and Infinity
        problem = message or f"is not valid JSON: {exc}"
        raise IntakeRefused(status, [{"field": field, "message": problem}]) from None


def field_path(loc: tuple[Any, ...]) -> str:
    """("uploader", "ip_events", 0, "ip") -> "uploader.ip_events[0].ip"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _status_for(statuses: set[int]) -> int:
    for status in (413, 415, 422):
        if status in statuses:
            return status
    return 422


def validate(
    document: Any, uploads: list[Upload], spent_pixels: int = 0
) -> tuple[ReportIn, list[CheckedMedia]]:
    """Validate the document and every file; raise IntakeRefused naming all problems.
    spent_pixels: what earlier reports of the same request declared, weighed against the
    request's pixel budget with this one's files."""
    if not isinstance(document, dict):
        raise IntakeRefused(422, [{"field": "body", "message": "must be a JSON object"}])
    declared = document.get("media")
    count = (len(declared) if isinstance(declared, list) else 0) + len(uploads)
    limit = settings.INTAKE_MAX_MEDIA_COUNT
    if count > limit:
        message = f"{count} files, over the limit of {limit}"
        raise IntakeRefused(413, [{"field": "media", "message": message}])

    errors: list[dict[str, str]] = []
    statuses: set[int] = set()
    try:
        report = ReportIn.model_validate(document)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            errors.append({"field": field_path(err["loc"]), "message": message})
        statuses.add(422)
        report = None

    files = list(uploads)
    if report is not None:
        for i, item in enumerate(report.media):
            try:
                data = base64.b64decode(item.content_base64, validate=True)
            except (binascii.Error, ValueError):
                errors.append(
                    {"field": f"media[{i}].content_base64", "message": "is not valid base64"}
                )
                statuses.add(422)
                continue
            files.append(Upload(f"media[{i}]", item.filename, data))

    declared: list[CheckedMedia] = []
    fields: list[str] = []
    for upload in files:
        try:
            info = declare(upload.data, upload.filename)
        except MediaRefused as refused:
            errors.append({"field": upload.field, "message": refused.message})
            statuses.add(refused.status)
            continue
        declared.append(CheckedMedia(upload.filename, upload.data, info))
        fields.append(upload.field)

    over_budget = budgets.over_request_budget(
        [(field, item.info) for field, item in zip(fields, declared, strict=True)], spent_pixels
    )
    if over_budget:  # refused on the headers alone: nothing is decoded
        errors += over_budget
        statuses.add(413)
    else:
        for field, item in zip(fields, declared, strict=True):
            try:
                verify(item.data, item.info)
            except MediaRefused as refused:
                errors.append({"field": field, "message": refused.message})
                statuses.add(refused.status)
    checked = declared

    if errors:
        raise IntakeRefused(_status_for(statuses), errors)
    assert report is not None
    return report, checked


def raw_payload(document: dict[str, Any], uploads: list[Upload]) -> dict[str, Any]:
    """The document as received, with media contents replaced by their position in the report
    (the bytes themselves live only in the encrypted vault)."""
    payload = dict(document)
    media = [
        {"filename": m.get("filename"), "position": i}
        for i, m in enumerate(payload.get("media") or [])
    ]
    offset = len(media)
    media += [{"filename": u.filename, "position": offset + i} for i, u in enumerate(uploads)]
    if media:
        payload["media"] = media
    return payload


def receive_report(
    *,
    platform: Platform,
    report: ReportIn,
    media: list[CheckedMedia],
    payload: dict[str, Any],
) -> tuple[Report, bool]:
    """Store a validated report and its media; idempotent on (platform, source, external_id).

    Returns (report, created). A repeat, even one racing the first, returns the first report.
    A new report without media is one round trip: INSERT … ON CONFLICT DO NOTHING RETURNING.
    """
    # With media, a cheap look first spares a repeat the vault writes (and budget weighing);
    # while keys rotate, it also finds a first stored under an older key's digest.
    if media or report_rows.rotating_keys():
        found = report_rows.existing(platform, [report_rows.key_of(report)])
        if found:
            return next(iter(found.values())), False
    pixels = sum(item.info.pixels for item in media)
    _check_platform_budget(platform, pixels)  # before sealing, to spare the work

    sealed: list[tuple[str, str]] = []
    try:
        for item in media:
            sealed.append(vault.store(item.data))
        # Without media the report is one statement, atomic on its own (with its audit event,
        # written by the database): no transaction around it, so no BEGIN and COMMIT.
        with transaction.atomic() if media else nullcontext():
            if pixels:  # only reports that cost the worker wait for the platform's lock
                budgets.lock_platform(platform)
                _check_platform_budget(platform, pixels)  # again, weighed one at a time
            row = report_rows.new_row(
                platform=platform,
                report=report,
                payload=payload,
                status=Report.Status.RECEIVED if media else Report.Status.PROCESSED,
                pixels=pixels,
            )
            inserted, earlier = report_rows.insert_new([row])
            created = bool(inserted)
            if created:
                _store_media(row, media, sealed)
                if not media:
                    report_ready.send(sender=Report, report=row)
    except BaseException:
        _discard(sealed)
        raise
    if created:
        return row, True
    _discard(sealed)  # the insert lost to a repeat: its files are nobody's
    found = earlier or report_rows.existing(platform, [report_rows.key_of(report)])
    if not found:  # the first was deleted between our insert and this read
        raise IntakeRefused(409, [{"field": "external_id", "message": "changed meanwhile"}])
    return next(iter(found.values())), False


def _store_media(row: Report, media: list[CheckedMedia], sealed: list[tuple[str, str]]) -> None:
    if not media:
        return
    rows = Media.objects.bulk_create(
        Media(
            report=row,
            position=i,
            filename=item.filename,
            kind=item.info.kind,
            content_type=item.info.content_type,
            size=len(item.data),
            width=item.info.width,
            height=item.info.height,
            vault_name=name,
            key_id=key_id,
        )
        for i, (item, (name, key_id)) in enumerate(zip(media, sealed, strict=True))
    )
    media_ids = [m.pk for m in rows]
    if media_ids:
        transaction.on_commit(lambda: enqueue_processing(media_ids))


def _discard(sealed: list[tuple[str, str]]) -> None:
    for name, _ in sealed:
        vault.discard(name)


def _check_platform_budget(platform: Platform, pixels: int) -> None:
    try:
        budgets.check_platform_budget(platform, pixels, timezone.now())
    except budgets.OverPlatformBudget as over:
        error = {"field": "media", "message": over.message}
        raise IntakeRefused(429, [error], retry_after=over.retry_after) from None


def enqueue_processing(media_ids: list[int]) -> None:
    """Queue media processing; if the broker is down the sweep picks the media up later."""
    from reports.tasks import queue_processing

    for media_id in media_ids:
        try:
            queue_processing(media_id)
        except Exception:
            log.exception("could not queue media %s; the media sweep will retry", media_id)
