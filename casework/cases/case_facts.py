"""A case's facts (priority, its reasons, what a case list filters on) kept in step with its
reports, and moving a case to the CSAM queue when its media match a list late."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casework import audit, permissions
from casework.cases.priority import priority_and_reasons
from casework.cases.routing import csam_route
from casework.models import Case, CaseReport
from reports import api


def report_ids_of(case: Case) -> list[int]:
    return list(case.case_reports.values_list("report_id", flat=True))


FACT_FIELDS = [
    "priority",
    "priority_reasons",
    "source",
    "reason",
    "jurisdiction",
    "matched_lists",
    "matched",
    "has_video",
    "ai_marker",
]


def refresh_facts(case: Case) -> api.ReportFacts:
    """Recompute and save the case's priority, its reasons and the filterable facts of its
    reports (after a report joins or leaves it, or its media match a list)."""
    facts = api.report_facts(report_ids_of(case))
    set_facts(case, facts)
    case.save(update_fields=[*FACT_FIELDS, "updated_at"])
    return facts


def set_facts(case: Case, facts: api.ReportFacts) -> None:
    """Put the facts on the case (not saved)."""
    case.priority, case.priority_reasons = priority_and_reasons(facts)
    case.source, case.reason, case.jurisdiction = facts.source, facts.reason, facts.jurisdiction
    case.matched_lists = [m.list for m in facts.matches]
    case.matched = bool(facts.matches)
    case.has_video, case.ai_marker = facts.has_video, facts.ai_marker
    case.updated_at = timezone.now()


def refresh_case(case_id: int) -> Case:
    """Recompute one case's facts and re-route it if a CSAM list matches (for cases filed
    before the facts were kept; refresh_case_facts)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("queue").get(pk=case_id)
        return reroute_on_match(case, refresh_facts(case))


def reroute_after_match(report_id: int) -> Case | None:
    """Media of a filed report matched a list late (processed later, or a list grew): its
    case moves to the CSAM queue if it is still open and nobody holds it."""
    case_id = CaseReport.objects.filter(report_id=report_id).values_list("case_id", flat=True)
    found = case_id.first()
    if found is None:
        return None  # not filed yet: filing routes it with the match
    return refresh_case(found)


def reroute_on_match(case: Case, facts: api.ReportFacts) -> Case:
    """Move an open, unheld case to the CSAM queue when its media match a CSAM list
    (recorded); a held or decided case stays where its reviewer found it."""
    target = csam_route(facts)
    if target is None or target[0].pk == case.queue_id:
        return case
    if case.status not in Case.OPEN_STATUSES or permissions.is_held(case):
        return case
    queue, why = target
    previous = case.queue
    case.queue, case.routing_reason = queue, why
    due = case.created_at + timedelta(hours=queue.deadline_hours)
    case.deadline_at = min(case.deadline_at, due)
    case.save(update_fields=["queue", "routing_reason", "deadline_at", "updated_at"])
    audit.record(
        "case.rerouted",
        actor="system:filing",
        target=f"case:{case.pk}",
        data={"from": previous.slug, "to": queue.slug, "because": why},
    )
    return case
