"""Legal holds: an admin keeps a case's evidence whatever its dates say, with a reason, until
an admin lifts it, with a reason. Both are audited; while any hold is on, nothing of the
case is purged."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework import audit, roles
from casework.cases.errors import CaseActionRefused, FieldRefused
from casework.models import Case, LegalHold

MAX_REASON = 2000


def _reason(value: str, field: str) -> str:
    reason = (value or "").strip()
    if not reason:
        raise FieldRefused(field, "say why (a legal hold and its lifting need a reason)")
    if len(reason) > MAX_REASON:
        raise FieldRefused(field, f"at most {MAX_REASON} characters")
    return reason


def _refuse_unless_admin(user: Any) -> None:
    if not roles.has_role(user, roles.ADMIN):
        raise CaseActionRefused("Only admins place and lift legal holds.")


def place_hold(*, case_id: int, admin: Any, reason: str) -> LegalHold:
    """Hold the case's evidence until lifted (the case row is locked: a purge running now
    waits and then sees the hold)."""
    _refuse_unless_admin(admin)
    reason = _reason(reason, "reason")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        hold = LegalHold.objects.create(
            case=case, reason=reason, placed_by=admin, placed_at=timezone.now()
        )
        audit.by_user(
            admin,
            "legal_hold.placed",
            target=f"case:{case.pk}",
            data={"hold": hold.pk, "reason": reason},
        )
    return hold


def lift_hold(*, case_id: int, hold_id: int, admin: Any, reason: str) -> LegalHold:
    """Lift one hold of the case (raises LegalHold.DoesNotExist for another case's hold)."""
    _refuse_unless_admin(admin)
    reason = _reason(reason, "reason")
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case_id)
        hold = LegalHold.objects.select_for_update().get(pk=hold_id, case_id=case_id)
        if not hold.active:
            raise CaseActionRefused(f"Legal hold {hold.pk} was already lifted.")
        hold.lifted_by = admin
        hold.lifted_at = timezone.now()
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        audit.by_user(
            admin,
            "legal_hold.lifted",
            target=f"case:{case_id}",
            data={"hold": hold.pk, "reason": reason, "placed_reason": hold.reason},
        )
    return hold


def active_holds():
    return LegalHold.objects.filter(lifted_at__isnull=True)
