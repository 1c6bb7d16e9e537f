"""Claims: a reviewer holds a case under a lease, renews it while active, hands it back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit, permissions
from casework.cases.errors import CaseActionRefused
from casework.models import Case, Queue, Skip
from casework.wellbeing import activity, limits


def lease_length() -> timedelta:
    return timedelta(minutes=settings.CASE_LEASE_MINUTES)


def hold(case: Case, user: Any) -> None:
    """Give the case to the user under a fresh lease (the caller has the row locked)."""
    case.holder = user
    case.lease_expires_at = timezone.now() + lease_length()
    case.status = Case.Status.IN_REVIEW
    case.save(update_fields=["holder", "lease_expires_at", "status", "updated_at"])


def claim_next_case(*, user: Any, queue: Queue) -> Case | None:
    """Give the user the best open case of the queue under a lease, or None if there is none.

    A case already held (lease unexpired) is never offered: the row lock with SKIP LOCKED
    lets many reviewers claim at once without waiting on each other or sharing a case.
    """
    if not permissions.may_work_queue(user, queue):
        raise CaseActionRefused(f"Your role may not work the {queue.name} queue.")
    now = timezone.now()
    rules = limits.rules_for(user)
    with transaction.atomic():
        held = (
            Case.objects.select_for_update()
            .filter(queue=queue, holder=user, lease_expires_at__gt=now)
            .filter(status__in=Case.OPEN_STATUSES)
            .first()
        )
        if held is not None:  # the cap stops new claims, not finishing the case in hand
            return held
        activity.refuse_if_capped(user, queue, rules, now)
        offered = (
            Case.objects.select_for_update(skip_locked=True)
            .filter(queue=queue, status__in=Case.OPEN_STATUSES)
            .filter(Q(holder__isnull=True) | Q(lease_expires_at__lte=now))
            .exclude(pk__in=Skip.objects.filter(user=user).values("case_id"))
        )
        opted_out = rules.opted_out_reports()
        if opted_out is not None:  # "no video", "no category A": never offered
            offered = offered.exclude(case_reports__report_id__in=opted_out)
        case = offered.order_by("-priority", "created_at").first()
        if case is None:
            return None
        previous = case.holder_id
        hold(case, user)
        audit.by_user(
            user,
            "case.claimed",
            target=f"case:{case.pk}",
            data={"queue": queue.slug, "expired_lease_of": previous} if previous else {},
        )
    return case


def claim_case(*, case_id: int, user: Any) -> Case:
    """Claim one case from its own page (opened from a list or a search): only an open case
    nobody holds, in a queue the user's role works, and only while the user holds no other
    case of that queue, the same rules as claiming the next case."""
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("queue").get(pk=case_id)
        if permissions.holds_case(case, user, now):
            return case
        if not permissions.may_work_queue(user, case.queue):
            raise CaseActionRefused(f"Your role may not work the {case.queue.name} queue.")
        activity.refuse_if_capped(user, case.queue, limits.rules_for(user), now)
        if case.status not in Case.OPEN_STATUSES:
            raise CaseActionRefused(f"Case {case.pk} is {case.get_status_display()}, not open.")
        if permissions.is_held(case, now):
            raise CaseActionRefused(f"Case {case.pk} is held by someone else.")
        other = (
            Case.objects.filter(queue=case.queue, holder=user, lease_expires_at__gt=now)
            .filter(status__in=Case.OPEN_STATUSES)
            .exclude(pk=case.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if other is not None:
            raise CaseActionRefused(
                f"You hold case {other} in {case.queue.name}; release it or finish it first."
            )
        previous = case.holder_id
        hold(case, user)
        data: dict[str, Any] = {"queue": case.queue.slug, "from": "case page"}
        if previous:
            data["expired_lease_of"] = previous
        audit.by_user(user, "case.claimed", target=f"case:{case.pk}", data=data)
    return case


def renew_lease(*, case_id: int, user: Any) -> Case:
    """Extend the user's lease while they are active on the case."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("queue").get(pk=case_id)
        if not permissions.holds_case(case, user):
            raise CaseActionRefused("You no longer hold this case; claim it again.")
        case.lease_expires_at = timezone.now() + lease_length()
        case.save(update_fields=["lease_expires_at", "updated_at"])
    activity.count_heartbeat(user, case.queue)
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
        audit.by_user(
            user,
            "case.skipped" if skip_reason else "case.released",
            target=f"case:{case.pk}",
            data={"reason": skip_reason} if skip_reason else {},
        )
    return case
