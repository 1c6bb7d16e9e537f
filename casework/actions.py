"""Every change to a case goes through these functions; each writes its audit event in the
same transaction, so "every decision is audited" holds by construction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit, cases, roles
from casework.models import Case, Decision, Queue, Skip
from reports import selectors as report_selectors
from reports.hashlists import add_confirmed
from reports.metadata import read_metadata

NEEDS_APPROVAL = {Decision.Verdict.CSAM_CONFIRMED, Decision.Verdict.CSAM_SUSPECTED}
INDUSTRY_CLASSIFICATIONS = ("A1", "A2", "B1", "B2")
IWF_CATEGORIES = ("A", "B", "C")
# NCMEC CyberTipline incident types.
INCIDENT_TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
FILE_ANNOTATIONS = (
    "generativeAi",
    "possibleSelfProduction",
    "infant",
    "physicalHarm",
    "violenceGore",
    "bestiality",
    "liveStreaming",
    "viral",
    "potentialMeme",
    "animeDrawingVirtualHentai",
)


class CaseActionRefused(Exception):
    """The action is not allowed now; the message says why, for the person who tried."""


def lease_length() -> timedelta:
    return timedelta(minutes=settings.CASE_LEASE_MINUTES)


def _holds(case: Case, user: Any, now=None) -> bool:
    now = now or timezone.now()
    return (
        case.holder_id == user.pk
        and case.lease_expires_at is not None
        and (case.lease_expires_at > now)
    )


def claim_next_case(*, user: Any, queue: Queue) -> Case | None:
    """Give the user the best open case of the queue under a lease, or None if there is none.

    A case already held (lease unexpired) is never offered: the row lock with SKIP LOCKED
    lets many reviewers claim at once without waiting on each other or sharing a case.
    """
    if not roles.has_role(user, *queue.roles):
        raise CaseActionRefused(f"Your role may not work the {queue.name} queue.")
    now = timezone.now()
    with transaction.atomic():
        held = (
            Case.objects.select_for_update()
            .filter(queue=queue, holder=user, lease_expires_at__gt=now)
            .filter(status__in=Case.OPEN_STATUSES)
            .first()
        )
        if held is not None:
            return held
        case = (
            Case.objects.select_for_update(skip_locked=True)
            .filter(queue=queue, status__in=Case.OPEN_STATUSES)
            .filter(Q(holder__isnull=True) | Q(lease_expires_at__lte=now))
            .exclude(pk__in=Skip.objects.filter(user=user).values("case_id"))
            .order_by("-priority", "created_at")
            .first()
        )
        if case is None:
            return None
        previous = case.holder_id
        case.holder = user
        case.lease_expires_at = now + lease_length()
        case.status = Case.Status.IN_REVIEW
        case.save(update_fields=["holder", "lease_expires_at", "status", "updated_at"])
        audit.record(
            "case.claimed",
            actor=audit.user_actor(user),
            actor_user=user,
            target=f"case:{case.pk}",
            data={"queue": queue.slug, "expired_lease_of": previous} if previous else {},
        )
    return case


def renew_lease(*, case_id: int, user: Any) -> Case:
    """Extend the user's lease while they are active on the case."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if not _holds(case, user):
            raise CaseActionRefused("You no longer hold this case; claim it again.")
        case.lease_expires_at = timezone.now() + lease_length()
        case.save(update_fields=["lease_expires_at", "updated_at"])
    return case


def release_case(*, case_id: int, user: Any, skip_reason: str = "") -> Case:
    """Hand the case back to its queue; with a reason, the user is not offered it again."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.holder_id != user.pk:
            raise CaseActionRefused("You do not hold this case.")
        case.holder = None
        case.lease_expires_at = None
        case.save(update_fields=["holder", "lease_expires_at", "updated_at"])
        if skip_reason:
            Skip.objects.create(case=case, user=user, reason=skip_reason[:200])
        audit.record(
            "case.skipped" if skip_reason else "case.released",
            actor=audit.user_actor(user),
            actor_user=user,
            target=f"case:{case.pk}",
            data={"reason": skip_reason} if skip_reason else {},
        )
    return case


def reassign_case(*, case_id: int, lead: Any, to_user: Any) -> Case:
    """An escalation lead gives an open case to another reviewer."""
    if not roles.has_role(lead, roles.ESCALATION_LEAD, roles.ADMIN):
        raise CaseActionRefused("Only escalation leads reassign cases.")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.status not in Case.OPEN_STATUSES:
            raise CaseActionRefused("Only open cases can be reassigned.")
        if not roles.has_role(to_user, *case.queue.roles):
            raise CaseActionRefused(f"{to_user.get_username()} may not work this queue.")
        previous = case.holder.get_username() if case.holder else None
        case.holder = to_user
        case.lease_expires_at = timezone.now() + lease_length()
        case.status = Case.Status.IN_REVIEW
        case.save(update_fields=["holder", "lease_expires_at", "status", "updated_at"])
        audit.record(
            "case.reassigned",
            actor=audit.user_actor(lead),
            actor_user=lead,
            target=f"case:{case.pk}",
            data={"from": previous, "to": to_user.get_username()},
        )
    return case


def _clean_labels(media_labels: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    cleaned: dict[str, dict[str, Any]] = {}
    for media_id, labels in media_labels.items():
        industry = labels.get("industry") or ""
        iwf = labels.get("iwf") or ""
        annotations = sorted(set(labels.get("annotations") or []))
        if industry and industry not in INDUSTRY_CLASSIFICATIONS:
            raise CaseActionRefused(f"Unknown industry classification {industry!r}.")
        if iwf and iwf not in IWF_CATEGORIES:
            raise CaseActionRefused(f"Unknown IWF category {iwf!r}.")
        unknown = set(annotations) - set(FILE_ANNOTATIONS)
        if unknown:
            raise CaseActionRefused(f"Unknown file annotations: {', '.join(sorted(unknown))}.")
        cleaned[str(media_id)] = {"industry": industry, "iwf": iwf, "annotations": annotations}
    return cleaned


def record_decision(
    *,
    case_id: int,
    user: Any,
    verdict: str,
    media_labels: dict[str, dict[str, Any]] | None = None,
    incident_type: str = "",
    notes: str = "",
) -> Decision:
    """The holder decides: a CSAM verdict waits for a second person's approval; any other
    verdict closes the case."""
    if verdict not in Decision.Verdict.values:
        raise CaseActionRefused(f"Unknown verdict {verdict!r}.")
    labels = _clean_labels(media_labels or {})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.status != Case.Status.IN_REVIEW or not _holds(case, user):
            raise CaseActionRefused("Claim the case before deciding it.")
        if incident_type and incident_type not in INCIDENT_TYPES:
            raise CaseActionRefused(f"Unknown incident type {incident_type!r}.")
        decision = Decision.objects.create(
            case=case,
            decided_by=user,
            verdict=verdict,
            media_labels=labels,
            incident_type=incident_type[:64],
            notes=notes,
        )
        case.status = (
            Case.Status.AWAITING_APPROVAL if verdict in NEEDS_APPROVAL else Case.Status.CLOSED
        )
        case.verdict = verdict
        case.holder = None
        case.lease_expires_at = None
        case.save(update_fields=["status", "verdict", "holder", "lease_expires_at", "updated_at"])
        audit.record(
            "case.decided",
            actor=audit.user_actor(user),
            actor_user=user,
            target=f"case:{case.pk}",
            data={
                "decision": decision.pk,
                "verdict": verdict,
                "media_labels": labels,
                "incident_type": decision.incident_type,
                "status": case.status,
            },
        )
    return decision


def _pending_decision(case_id: int, lead: Any) -> tuple[Case, Decision]:
    if not roles.has_role(lead, roles.ESCALATION_LEAD):
        raise CaseActionRefused("Only escalation leads approve or return decisions.")
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status != Case.Status.AWAITING_APPROVAL:
        raise CaseActionRefused("This case is not awaiting approval.")
    decision = case.decisions.order_by("-decided_at").first()
    if decision.decided_by_id == lead.pk:
        raise CaseActionRefused("A second person must approve: you made this decision.")
    return case, decision


def approve_decision(*, case_id: int, lead: Any) -> Decision:
    """Four-eyes: a different escalation lead confirms the CSAM decision."""
    with transaction.atomic():
        case, decision = _pending_decision(case_id, lead)
        decision.approved_by = lead
        decision.approved_at = timezone.now()
        decision.save(update_fields=["approved_by", "approved_at"])
        case.status = Case.Status.APPROVED
        case.save(update_fields=["status", "updated_at"])
        added = 0
        if decision.verdict == Decision.Verdict.CSAM_CONFIRMED:
            labels = decision.media_labels
            added = add_confirmed(
                [int(m) for m in labels] or case_media_ids(case),
                {int(m): v.get("industry") or v.get("iwf") or "" for m, v in labels.items()},
            )
        audit.record(
            "case.approved",
            actor=audit.user_actor(lead),
            actor_user=lead,
            target=f"case:{case.pk}",
            data={
                "decision": decision.pk,
                "verdict": decision.verdict,
                "confirmed_hashes_added": added,
            },
        )
    return decision


def case_media_ids(case: Case) -> list[int]:
    """Ids of every media item in the case's reports."""
    return report_selectors.media_ids_of_reports(
        list(case.case_reports.values_list("report_id", flat=True))
    )


def return_decision(*, case_id: int, lead: Any, reason: str) -> Decision:
    """The second person disagrees or needs more: the case goes back to review."""
    if not reason.strip():
        raise CaseActionRefused("Say why the case is returned.")
    with transaction.atomic():
        case, decision = _pending_decision(case_id, lead)
        decision.returned_by = lead
        decision.returned_at = timezone.now()
        decision.return_reason = reason.strip()
        decision.save(update_fields=["returned_by", "returned_at", "return_reason"])
        case.status = Case.Status.IN_REVIEW
        case.verdict = ""
        case.save(update_fields=["status", "verdict", "updated_at"])
        audit.record(
            "case.returned",
            actor=audit.user_actor(lead),
            actor_user=lead,
            target=f"case:{case.pk}",
            data={"decision": decision.pk, "reason": decision.return_reason},
        )
    return decision


def may_look_closely(case: Case, user: Any) -> bool:
    """May this user reveal or inspect the case's media now?"""
    if roles.has_role(user, roles.ESCALATION_LEAD) and case.status in (
        Case.Status.AWAITING_APPROVAL,
        Case.Status.APPROVED,
    ):
        return True  # the second pair of eyes must be able to check
    return roles.has_role(user, roles.REVIEWER, roles.ESCALATION_LEAD) and _holds(case, user)


def _case_media(case_id: int, media_id: int, user: Any) -> Case:
    case = Case.objects.get(pk=case_id)
    report_id = report_selectors.report_id_of_media(media_id)
    if report_id is None or not case.case_reports.filter(report_id=report_id).exists():
        raise CaseActionRefused("That media item is not part of this case.")
    if not may_look_closely(case, user):
        raise CaseActionRefused(
            "Only the reviewer holding the case, or an escalation lead checking a decision, "
            "may reveal or inspect its media."
        )
    return case


def reveal_media(*, case_id: int, media_id: int, user: Any) -> tuple[bytes, str]:
    """The unblurred original of one media item, for a deliberate, audited reveal."""
    case = _case_media(case_id, media_id, user)
    data, content_type, _ = report_selectors.original_bytes(media_id)
    audit.record(
        "media.revealed",
        actor=audit.user_actor(user),
        actor_user=user,
        target=f"media:{media_id}",
        data={"case": case.pk},
    )
    return data, content_type


def inspect_metadata(*, case_id: int, media_id: int, user: Any) -> dict[str, str]:
    """The media item's embedded metadata (EXIF and the like), audited."""
    case = _case_media(case_id, media_id, user)
    data, _, kind = report_selectors.original_bytes(media_id)
    audit.record(
        "media.metadata_viewed",
        actor=audit.user_actor(user),
        actor_user=user,
        target=f"media:{media_id}",
        data={"case": case.pk},
    )
    return read_metadata(data, kind)


def _lead_case(case_id: int, lead: Any) -> Case:
    if not roles.has_role(lead, roles.ESCALATION_LEAD):
        raise CaseActionRefused("Only escalation leads merge or split cases.")
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status not in Case.OPEN_STATUSES:
        raise CaseActionRefused(f"Case {case.pk} is {case.get_status_display()}: only open cases.")
    if case.holder_id not in (None, lead.pk) and _holds(case, case.holder):
        raise CaseActionRefused(f"Case {case.pk} is being reviewed; wait or reassign it.")
    return case


def merge_cases(*, lead: Any, case_id: int, into_id: int) -> Case:
    """Move every report of one case into another (same content found late); the emptied
    case is closed. Both cases' timelines say so."""
    if case_id == into_id:
        raise CaseActionRefused("A case cannot be merged into itself.")
    with transaction.atomic():
        first, second = sorted([case_id, into_id])  # lock in id order: no deadlock
        locked = {c: _lead_case(c, lead) for c in (first, second)}
        source, target = locked[case_id], locked[into_id]
        moved = list(source.case_reports.values_list("report_id", flat=True))
        source.case_reports.update(case=target)
        source.contents.update(case=target)
        source.status = Case.Status.CLOSED
        source.verdict = ""
        source.holder = None
        source.lease_expires_at = None
        source.save(update_fields=["status", "verdict", "holder", "lease_expires_at", "updated_at"])
        target.priority = cases.priority_of(target)
        target.save(update_fields=["priority", "updated_at"])
        for case, data in (
            (source, {"merged_into": target.pk, "reports": moved}),
            (target, {"merged_from": source.pk, "reports": moved}),
        ):
            audit.record(
                "case.merged",
                actor=audit.user_actor(lead),
                actor_user=lead,
                target=f"case:{case.pk}",
                data=data,
            )
    return target


def split_case(*, lead: Any, case_id: int, report_ids: list[int]) -> Case:
    """Move some reports of a case into a new case of the same queue (grouped wrongly)."""
    with transaction.atomic():
        case = _lead_case(case_id, lead)
        links = case.case_reports.filter(report_id__in=report_ids)
        moving = sorted(links.values_list("report_id", flat=True))
        if not moving or len(moving) == case.case_reports.count():
            raise CaseActionRefused("Choose some, not all, of the case's reports to split off.")
        new = Case.objects.create(queue=case.queue, deadline_at=case.deadline_at)
        links.update(case=new)
        hashes = report_selectors.sha256s_of_reports(moving)
        staying = set(
            report_selectors.sha256s_of_reports(
                list(case.case_reports.values_list("report_id", flat=True))
            )
        )
        case.contents.filter(sha256__in=set(hashes) - staying).update(case=new)
        for changed in (case, new):
            changed.priority = cases.priority_of(changed)
            changed.save(update_fields=["priority", "updated_at"])
        for changed, data in (
            (case, {"split_into": new.pk, "reports": moving}),
            (new, {"split_from": case.pk, "reports": moving}),
        ):
            audit.record(
                "case.split",
                actor=audit.user_actor(lead),
                actor_user=lead,
                target=f"case:{changed.pk}",
                data=data,
            )
    return new
