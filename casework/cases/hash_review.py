"""Leads review quarantined hash-list entries (reports.hygiene decides what is quarantined):
the review list, and confirming or disabling an entry, audited, with the cases whose media it
matched brought up to date (priority back on a confirm, off on a disable)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework import audit
from casework.cases.case_facts import refresh_case
from casework.cases.errors import CaseActionRefused
from casework.models import CaseReport
from reports import api

REASON_LIMIT = 500


def entries_in_review(*, user: Any) -> list[api.EntryInReview]:
    """The quarantined entries, the look recorded."""
    entries = api.entries_in_review()
    audit.by_user(
        user, "hash_entries.reviewed_list", target="hash_entries", data={"shown": len(entries)}
    )
    return entries


def review_entry(
    *, entry_id: int, lead: Any, confirm: bool, reason: str = ""
) -> api.HashEntryReviewed:
    """Confirm (its matches count again) or disable (it matches nothing) a quarantined entry;
    HashEntryDoesNotExist, or CaseActionRefused when it is not in review."""
    with transaction.atomic():
        try:
            reviewed = api.review_hash_entry(entry_id, confirm=confirm, by=lead.get_username())
        except api.EntryNotInReview as refused:
            raise CaseActionRefused(str(refused)) from refused
        audit.by_user(
            lead,
            "hash_entry.confirmed" if confirm else "hash_entry.disabled",
            target=f"hash_entry:{entry_id}",
            data={
                "list": reviewed.list,
                "kind": reviewed.kind,
                "value": reviewed.value,
                "quarantined_for": reviewed.reason,
                "reason": reason.strip()[:REASON_LIMIT],
                "reports": len(reviewed.report_ids),
            },
        )
        case_ids = CaseReport.objects.filter(report_id__in=reviewed.report_ids).values_list(
            "case_id", flat=True
        )
        for case_id in sorted(set(case_ids)):
            refresh_case(case_id)
    return reviewed
