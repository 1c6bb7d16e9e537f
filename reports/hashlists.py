"""Hash lists: reading and writing the exchange formats, importing all-or-nothing.

Formats (the same for import and export, so an export imports back unchanged):
- csv: a header `hash,kind,category,source_id`, then one entry a line (tab-separated works
  too; the older header without `kind` is still read, the kind then told by length or --kind);
- jsonl: one JSON object a line with the keys hash, kind, category, source_id (kind optional);
- threatexchange: python-threatexchange's local signal files, the ones HMA imports: one signal
  a line, `pdq <64 hex>` (also md5, sha1, sha256), or the bare hash when the kind is given;
  `vpdq <JSON list>` for a video, the list its vPDQ signal serializes
  (["<pdq hex>,<quality>,<timestamp>", ...]).
A vpdq entry's value in csv and jsonl is that same JSON list, with kind vpdq. It is stored
as frames, and its value is the SHA-256 of the frames (reports.vpdq_entries).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from reports import vpdq_entries
from reports.models import HashEntry, HashList
from reports.signals import hash_list_changed

FORMATS = ("csv", "jsonl", "threatexchange")
FIELDS = ("hash", "kind", "category", "source_id")  # csv header order, jsonl keys
HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
KINDS = (*HEX_LENGTH, "vpdq")
# python-threatexchange's signal type names for the kinds Casework holds.
THREATEXCHANGE_NAMES = {
    "pdq": "pdq",
    "md5": "md5",
    "photo_md5": "md5",
    "video_md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "vpdq": "vpdq",
    "video_vpdq": "vpdq",
}
# The industry classification (Tech Coalition / NCMEC) and the IWF's categories.
INDUSTRY_CATEGORIES = ("A1", "A2", "B1", "B2")
IWF_CATEGORIES = ("A", "B", "C")
CATEGORIES = {"", *INDUSTRY_CATEGORIES, *IWF_CATEGORIES}
HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class ParsedEntry:
    kind: str
    value: str
    category: str = ""
    source_id: str = ""
    frames: str = ""  # vpdq only: the frames, threatexchange's serialization


class HashListFileError(Exception):
    """A bad line: names the line (counting a header) and the field."""

    def __init__(self, line: int, field: str, message: str):
        super().__init__(f"line {line}, field {field}: {message}")
        self.line, self.field = line, field


def _kind_of(value: str, kind: str | None, line: int, stated: object = None) -> str:
    if stated not in (None, ""):
        if not isinstance(stated, str) or stated.strip().lower() not in KINDS:
            raise HashListFileError(line, "kind", "must be md5, sha1, sha256, pdq or vpdq")
        stated = stated.strip().lower()
        if kind and stated != kind:
            raise HashListFileError(line, "kind", f"is {stated}, but --kind says {kind}")
        return stated
    if kind:
        return kind
    if value.startswith("["):
        return "vpdq"
    by_length = [k for k, n in HEX_LENGTH.items() if n == len(value) and k != "pdq"]
    if len(value) == 64:
        raise HashListFileError(line, "hash", "64 hex digits could be SHA-256 or PDQ: give --kind")
    if not by_length:
        raise HashListFileError(line, "hash", f"{len(value)} characters is no known hash length")
    return by_length[0]


def _entry(line: int, kind: str | None, record: dict[str, Any]) -> ParsedEntry:
    value, category, source_id = (record.get(k) for k in ("hash", "category", "source_id"))
    if isinstance(value, list):  # jsonl may carry the vpdq list as it is
        value = json.dumps(value)
    if not isinstance(value, str) or not value.strip():
        raise HashListFileError(line, "hash", "is missing")
    value = value.strip()
    if _kind_of(value, kind, line, record.get("kind")) == "vpdq":
        return _vpdq_entry(line, value, category, source_id)
    value = value.lower()
    if not HEX.match(value):
        raise HashListFileError(line, "hash", "is not hexadecimal")
    kind = _kind_of(value, kind, line, record.get("kind"))
    if len(value) != HEX_LENGTH[kind]:
        raise HashListFileError(
            line, "hash", f"a {kind} hash has {HEX_LENGTH[kind]} hex digits, not {len(value)}"
        )
    return ParsedEntry(kind, value, *_category_and_source(line, category, source_id))


def _category_and_source(line: int, category: object, source_id: object) -> tuple[str, str]:
    category = (category or "").strip() if isinstance(category, str | type(None)) else None
    if category is None or category not in CATEGORIES:
        raise HashListFileError(line, "category", "must be empty, A1, A2, B1, B2, A, B or C")
    if source_id is not None and not isinstance(source_id, str | int):
        raise HashListFileError(line, "source_id", "must be text")
    return category, str(source_id or "").strip()[:200]


def _vpdq_entry(line: int, value: str, category: object, source_id: object) -> ParsedEntry:
    try:
        digest, frames = vpdq_entries.stored(value)
    except ValueError as exc:
        raise HashListFileError(line, "hash", f"a vpdq value {exc}") from exc
    return ParsedEntry("vpdq", digest, *_category_and_source(line, category, source_id), frames)


def parse(text: str, fmt: str, kind: str | None = None) -> list[ParsedEntry]:
    """Every entry of the file, or HashListFileError for the first bad line."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return list(globals()[f"_parse_{fmt}"](text, kind))


def _parse_csv(text: str, kind: str | None) -> Iterator[ParsedEntry]:
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if "\t" in first else "excel"
    rows = csv.reader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in next(rows, [])]
    if header[:1] != ["hash"] or not set(header) <= set(FIELDS):
        raise HashListFileError(1, "header", "must be hash,kind,category,source_id")
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise HashListFileError(
                number, "line", f"has {len(row)} fields, header has {len(header)}"
            )
        yield _entry(number, kind, dict(zip(header, row, strict=False)))


def _parse_jsonl(text: str, kind: str | None) -> Iterator[ParsedEntry]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HashListFileError(number, "line", f"is not JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise HashListFileError(number, "line", "must be a JSON object")
        unknown = set(record) - set(FIELDS)
        if unknown:
            raise HashListFileError(number, sorted(unknown)[0], "unknown field")
        yield _entry(number, kind, record)


def _parse_threatexchange(text: str, kind: str | None) -> Iterator[ParsedEntry]:
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0].lower() in ("vpdq", "video_vpdq") or (
            kind == "vpdq" and line.lstrip()[:1] == "["
        ):
            listed = line.strip()
            if not listed.startswith("["):
                listed = listed[len(parts[0]) :]  # the signal type's name, then the list
            yield _entry(number, "vpdq", {"hash": listed.strip()})
        elif len(parts) == 2:
            name = parts[0].lower()
            if name not in THREATEXCHANGE_NAMES:
                raise HashListFileError(number, "signal_type", f"unknown signal type {parts[0]!r}")
            yield _entry(number, THREATEXCHANGE_NAMES[name], {"hash": parts[1]})
        elif len(parts) == 1:
            if kind is None:
                raise HashListFileError(number, "signal_type", "a bare hash needs --kind")
            yield _entry(number, kind, {"hash": parts[0]})
        else:
            raise HashListFileError(number, "line", "must be '<signal type> <hash>'")


def import_entries(hash_list: HashList, entries: Iterable[ParsedEntry]) -> int:
    """Add the entries not already on the list, all in one transaction; return how many."""
    rows = [
        HashEntry(
            hash_list=hash_list,
            kind=e.kind,
            value=e.value,
            category=e.category or hash_list.default_category,
            source_id=e.source_id,
            frames=e.frames,
        )
        for e in entries
    ]
    with transaction.atomic():
        before = hash_list.entries.count()
        HashEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
        return hash_list.entries.count() - before


def import_list(
    hash_list: HashList,
    entries: list[ParsedEntry],
    *,
    actor: str,
    data: dict[str, Any],
    batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Import parsed (so already valid) entries into the list, the one way both the command
    and the worker do it: a batch at a time if asked, calling progress(lines_done, added)
    after each; then one hash_list_changed, which casework records in the audit log and
    which re-scans the existing media when anything was added. Returns how many were new."""
    step = batch or max(len(entries), 1)
    added = 0
    for start in range(0, len(entries), step):
        added += import_entries(hash_list, entries[start : start + step])
        if progress is not None:
            progress(min(start + step, len(entries)), added)
    hash_list_changed.send(
        sender=HashList,
        hash_list=hash_list,
        action="imported",
        actor=actor,
        data={**data, "lines": len(entries), "added": added},
    )
    return added


def export(hash_list: HashList, fmt: str) -> Iterator[str]:
    """The list's entries as lines of the format (each line ends with a newline)."""
    rows = hash_list.entries.order_by("kind", "value").values_list(
        "kind", "value", "category", "source_id", "frames"
    )
    # A vpdq entry is written as its frames (the value is only their digest).
    entries = (
        (kind, frames if kind == "vpdq" else value, category, source_id)
        for kind, value, category, source_id, frames in rows.iterator()
    )
    if fmt == "csv":
        yield ",".join(FIELDS) + "\n"
        for kind, value, category, source_id in entries:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow([value, kind, category, source_id])
            yield out.getvalue()
    elif fmt == "jsonl":
        for kind, value, category, source_id in entries:
            record = {"hash": value, "kind": kind, "category": category, "source_id": source_id}
            yield json.dumps(record) + "\n"
    elif fmt == "threatexchange":
        for kind, value, _, _ in entries:
            yield f"{kind} {value}\n"
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


CONFIRMED_LIST = "casework-confirmed"


def add_confirmed(media_ids: list[int], categories: dict[int, str]) -> int:
    """Add approved CSAM media's hashes to the internal confirmed list (created if missing),
    for sharing with hash-sharing programmes; returns how many entries were new."""
    from reports import video_matching, vpdq
    from reports.models import Media

    hash_list, _ = HashList.objects.get_or_create(
        name=CONFIRMED_LIST,
        defaults={"source": HashList.Source.INTERNAL, "purpose": HashList.Purpose.CONFIRMED},
    )
    entries = []
    for media in Media.objects.filter(pk__in=media_ids):
        category = categories.get(media.pk, "")
        for kind in ("md5", "sha1", "sha256", "pdq"):
            value = getattr(media, kind)
            if value:
                entries.append(ParsedEntry(kind, value, category, f"media:{media.pk}"))
        if frames := video_matching.frames_of(media):
            digest, text = vpdq_entries.stored(vpdq.to_threatexchange(frames))
            entries.append(ParsedEntry("vpdq", digest, category, f"media:{media.pk}", text))
    return import_entries(hash_list, entries)
