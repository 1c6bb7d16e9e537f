"""What escalation leads do to the shape of the work: reassign a case, merge two cases
about the same content, split reports grouped wrongly into a case of their own."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework import audit, permissions
from casework.cases.claims import hold
from casework.cases.errors import CaseActionRefused
from casework.cases.filing import refresh_facts, report_ids_of
from casework.models import Case, LegalHold
from reports import api


def reassign_case(*, case_id: int, lead: Any, to_user: Any) -> Case:
    """An escalation lead gives an open case to another reviewer."""
    if not permissions.may_reassign(lead):
        raise CaseActionRefused("Only escalation leads reassign cases.")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.status not in Case.OPEN_STATUSES:
            raise CaseActionRefused("Only open cases can be reassigned.")
        if not permissions.may_work_queue(to_user, case.queue):
            raise CaseActionRefused(f"{to_user.get_username()} may not work this queue.")
        previous = case.holder.get_username() if case.holder else None
        hold(case, to_user)
        audit.by_user(
            lead,
            "case.reassigned",
            target=f"case:{case.pk}",
            data={"from": previous, "to": to_user.get_username()},
        )
    return case


def _lead_case(case_id: int, lead: Any) -> Case:
    if not permissions.may_lead(lead):
        raise CaseActionRefused("Only escalation leads merge or split cases.")
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status not in Case.OPEN_STATUSES:
        raise CaseActionRefused(f"Case {case.pk} is {case.get_status_display()}: only open cases.")
    if case.holder_id not in (None, lead.pk) and permissions.holds_case(case, case.holder):
        raise CaseActionRefused(f"Case {case.pk} is being reviewed; wait or reassign it.")
    # A hold is on the case (its row is locked here, as placing a hold locks it): moving
    # reports in or out would take held evidence out from under it, or mix it with other cases'.
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        raise CaseActionRefused(
            f"Case {case.pk} is under a legal hold: it is not merged or split until an admin "
            "lifts the hold."
        )
    return case


def _record_on_both(
    lead: Any, action: str, first: Case, second: Case, links: tuple[str, str], reports: list
) -> None:
    """One event on each case's timeline, each naming the other case."""
    to_second, from_first = links
    for case, data in (
        (first, {to_second: second.pk, "reports": reports}),
        (second, {from_first: first.pk, "reports": reports}),
    ):
        audit.by_user(lead, action, target=f"case:{case.pk}", data=data)


def merge_cases(*, lead: Any, case_id: int, into_id: int) -> Case:
    """Move every report of one case into another (same content found late); the emptied
    case is closed. Both cases' timelines say so."""
    if case_id == into_id:
        raise CaseActionRefused("A case cannot be merged into itself.")
    with transaction.atomic():
        first, second = sorted([case_id, into_id])  # lock in id order: no deadlock
        locked = {c: _lead_case(c, lead) for c in (first, second)}
        source, target = locked[case_id], locked[into_id]
        moved = report_ids_of(source)
        source.case_reports.update(case=target)
        source.contents.update(case=target)
        source.status = Case.Status.CLOSED
        source.closed_at = timezone.now()
        source.verdict = ""
        source.holder = None
        source.lease_expires_at = None
        source.save(
            update_fields=[
                "status",
                "verdict",
                "holder",
                "lease_expires_at",
                "closed_at",
                "updated_at",
            ]
        )
        refresh_facts(target)
        _record_on_both(lead, "case.merged", source, target, ("merged_into", "merged_from"), moved)
    return target


def split_case(*, lead: Any, case_id: int, report_ids: list[int]) -> Case:
    """Move some reports of a case into a new case of the same queue (grouped wrongly)."""
    with transaction.atomic():
        case = _lead_case(case_id, lead)
        links = case.case_reports.filter(report_id__in=report_ids)
        moving = sorted(links.values_list("report_id", flat=True))
        if not moving or len(moving) == case.case_reports.count():
            raise CaseActionRefused("Choose some, not all, of the case's reports to split off.")
        new = Case.objects.create(
            queue=case.queue, deadline_at=case.deadline_at, routing_reason=case.routing_reason
        )
        links.update(case=new)
        hashes = api.sha256s_of_reports(moving)
        staying = set(api.sha256s_of_reports(report_ids_of(case)))
        case.contents.filter(sha256__in=set(hashes) - staying).update(case=new)
        for changed in (case, new):
            refresh_facts(changed)
        _record_on_both(lead, "case.split", case, new, ("split_into", "split_from"), moving)
    return new
