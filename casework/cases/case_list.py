"""A queue's case list: filters from the query string, keyset paging, bounded counts.

Paging is by keyset (the last row's sort key, in an opaque cursor), never OFFSET, so page
500 of a million cases costs what page 1 does; counts stop at COUNT_BOUND + 1 ("1,000+").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from casework import audit, permissions, roles
from casework.cases.priority import describe
from casework.models import Case, CaseStatus, Queue
from reports import api

PAGE_SIZE = 50
COUNT_BOUND = 1000
OPEN = "open"
ALL = "all"
STATUSES = (OPEN, ALL, *Case.Status.values)
REVIEWER_STATUSES = (OPEN, Case.Status.NEW, Case.Status.IN_REVIEW)
JURISDICTION = re.compile(r"^[A-Z]{2}$")
# sort name -> the columns of its key, in order (the priority key sorts on -priority).
SORTS: dict[str, tuple[str, ...]] = {
    "priority": ("neg_priority", "created_at", "id"),
    "oldest": ("created_at", "id"),
    "deadline": ("deadline_at", "id"),
}
SORT_SQL = {
    "neg_priority": '"casework_case"."priority" * -1',
    "created_at": '"casework_case"."created_at"',
    "deadline_at": '"casework_case"."deadline_at"',
    "id": '"casework_case"."id"',
}
TOGGLES = ("breached", "matched", "video", "ai")


class BadParameter(ValueError):
    """A query parameter the list cannot use; the answer is a 400 naming it."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class Filters:
    status: str = OPEN
    breached: bool | None = None
    matched: bool | None = None
    video: bool | None = None
    ai: bool | None = None
    holder: str = ""
    source: str = ""
    reason: str = ""
    jurisdiction: str = ""
    sort: str = "priority"
    after: tuple | None = None

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters as query parameters (without the cursor), with some changed."""
        chosen = replace(self, after=None, **changes)
        params = {
            "status": chosen.status if chosen.status != OPEN else "",
            "sort": chosen.sort if chosen.sort != "priority" else "",
            "holder": chosen.holder,
            "source": chosen.source,
            "reason": chosen.reason,
            "jurisdiction": chosen.jurisdiction,
        }
        for name in TOGGLES:
            value = getattr(chosen, name)
            params[name] = "" if value is None else ("1" if value else "0")
        return {k: v for k, v in params.items() if v}


@dataclass
class CaseList:
    queue: Queue
    filters: Filters
    rows: list[Case]
    next_cursor: str
    count: int
    toggle_counts: dict[str, int] = field(default_factory=dict)
    sees_holders: bool = False


def may_see_list(user: Any, queue: Queue) -> bool:
    """Leads and admins see every queue's list; reviewers the queues their role works."""
    return sees_holders(user) or (
        roles.has_role(user, *roles.REVIEW_ROLES) and permissions.may_work_queue(user, queue)
    )


def sees_holders(user: Any) -> bool:
    """Who holds what and for how long is for leads (and admins)."""
    return permissions.may_lead(user) or roles.has_role(user, roles.ADMIN)


def parse_filters(params: Any, *, lead: bool) -> Filters:
    """Filters from a query string (a QueryDict or a dict); raises BadParameter."""
    status = params.get("status") or OPEN
    allowed = STATUSES if lead else REVIEWER_STATUSES
    if status not in allowed:
        raise BadParameter("status", f"must be one of {', '.join(allowed)}")
    holder = (params.get("holder") or "").strip()
    if holder and not lead:
        raise BadParameter("holder", "only leads filter by who holds a case")
    source = params.get("source") or ""
    if source and source not in api.REPORT_SOURCES:
        raise BadParameter("source", f"must be one of {', '.join(api.REPORT_SOURCES)}")
    reason = params.get("reason") or ""
    if reason and reason not in api.REPORT_REASONS:
        raise BadParameter("reason", f"must be one of {', '.join(api.REPORT_REASONS)}")
    jurisdiction = (params.get("jurisdiction") or "").upper()
    if jurisdiction and not JURISDICTION.match(jurisdiction):
        raise BadParameter("jurisdiction", "must be a two-letter country code")
    sort = params.get("sort") or "priority"
    if sort not in SORTS:
        raise BadParameter("sort", f"must be one of {', '.join(SORTS)}")
    toggles = {name: _flag(params, name) for name in TOGGLES}
    after = decode_cursor(params["after"], sort) if params.get("after") else None
    return Filters(status, **toggles, holder=holder, source=source, reason=reason,
                   jurisdiction=jurisdiction, sort=sort, after=after)  # fmt: skip


def _flag(params: Any, name: str) -> bool | None:
    value = params.get(name) or ""
    if value not in ("", "0", "1"):
        raise BadParameter(name, "must be 1 or 0")
    return None if value == "" else value == "1"


def encode_cursor(sort: str, key: tuple) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps([sort, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple:
    """The sort key a cursor carries; raises BadParameter("after") for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or decoded[0] != sort:
            raise ValueError("for another sort")
        values = decoded[1:]
        columns = SORTS[sort]
        if len(values) != len(columns):
            raise ValueError("wrong length")
        key = []
        for column, value in zip(columns, values, strict=True):
            if column.endswith("_at"):
                key.append(datetime.fromisoformat(value))
            elif isinstance(value, int) and not isinstance(value, bool):
                key.append(value)
            else:
                raise ValueError("not a number")
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadParameter("after", "is not a cursor this list gave out") from exc
    return tuple(key)


def filtered(queue: Queue, filters: Filters) -> QuerySet[Case]:
    """The queue's cases matching the filters (unordered, no cursor)."""
    cases = Case.objects.filter(queue=queue)
    if filters.status == OPEN:
        cases = cases.filter(status__in=Case.OPEN_STATUSES)
    elif filters.status != ALL:
        cases = cases.filter(status=filters.status)
    if filters.breached is not None:
        breached = Q(deadline_at__lt=timezone.now(), status__in=Case.OPEN_STATUSES)
        cases = cases.filter(breached if filters.breached else ~breached)
    for name, column in (("matched", "matched"), ("video", "has_video"), ("ai", "ai_marker")):
        value = getattr(filters, name)
        if value is not None:
            cases = cases.filter(**{column: value})
    if filters.holder:
        cases = cases.filter(holder__username=filters.holder)
    for column in ("source", "reason", "jurisdiction"):
        if getattr(filters, column):
            cases = cases.filter(**{column: getattr(filters, column)})
    return cases


def page(queue: Queue, filters: Filters, *, lead: bool) -> CaseList:
    """One page of the list, the cursor of the next, and bounded counts."""
    cases = filtered(queue, filters)
    columns = SORTS[filters.sort]
    if filters.after is not None:
        row = ", ".join(SORT_SQL[c] for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        # Column names are module constants; the cursor's values go as parameters.
        after = RawSQL(f"({row}) > ({marks})", filters.after, output_field=BooleanField())  # noqa: S611
        cases = cases.filter(after)
    order = [(F("priority") * -1).asc() if c == "neg_priority" else F(c).asc() for c in columns]
    shown = cases.select_related("holder") if lead else cases
    rows = list(shown.order_by(*order)[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    now = timezone.now()
    for case in rows:
        case.reasons_text = describe(case.priority_reasons, case.created_at)
        case.breached = case.status in Case.OPEN_STATUSES and case.deadline_at < now
        case.lease_live = case.lease_expires_at is not None and case.lease_expires_at > now
    next_cursor = encode_cursor(filters.sort, _key(rows[-1], columns)) if more else ""
    counts = {
        name: bounded_count(filtered(queue, replace(filters, **{name: True})))
        for name in TOGGLES
        if getattr(filters, name) is None
    }
    return CaseList(
        queue, filters, rows, next_cursor, bounded_count(filtered(queue, filters)), counts, lead
    )


def _key(case: Case, columns: tuple[str, ...]) -> tuple:
    return tuple(-case.priority if c == "neg_priority" else getattr(case, c) for c in columns)


def bounded_count(cases: QuerySet[Case]) -> int:
    """How many, stopping at COUNT_BOUND + 1."""
    return cases.order_by()[: COUNT_BOUND + 1].count()


def list_cases(*, user: Any, queue: Queue, params: Any) -> CaseList:
    """The page this user asked for, recorded (raises BadParameter)."""
    lead = sees_holders(user)
    filters = parse_filters(params, lead=lead)
    result = page(queue, filters, lead=lead)
    audit.by_user(
        user,
        "queue.listed",
        target=f"queue:{queue.slug}",
        data={"filters": filters.query(), "after": params.get("after", "")[:200],
              "rows": len(result.rows)},
    )  # fmt: skip
    return result


def page_context(listing: CaseList) -> dict[str, Any]:
    """What the case list template needs: the page, the filter choices, and the links."""
    filters = listing.filters
    statuses = STATUSES if listing.sees_holders else REVIEWER_STATUSES
    labels = {OPEN: "Open", ALL: "Any status", **dict(CaseStatus.choices)}
    return {
        "listing": listing,
        "filters": filters,
        "status_choices": [(s, labels[s]) for s in statuses],
        "source_choices": [(s, s) for s in api.REPORT_SOURCES],
        "reason_choices": [(r, r) for r in api.REPORT_REASONS],
        "sort_choices": [("priority", "Priority"), ("oldest", "Oldest first"),
                         ("deadline", "Deadline soonest")],
        "toggles": [
            (name, label, getattr(filters, name), listing.toggle_counts.get(name))
            for name, label in TOGGLE_LABELS.items()
        ],
        "count_bound": COUNT_BOUND,
        "next_href": "?" + urlencode({**filters.query(), "after": listing.next_cursor}),
        "first_href": "?" + urlencode(filters.query()),
        "paged": filters.after is not None,
    }  # fmt: skip


TOGGLE_LABELS = {
    "breached": "Deadline breached",
    "matched": "Matched a list",
    "video": "Has video",
    "ai": "AI marker",
}
