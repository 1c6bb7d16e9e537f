"""The worker's side of the outbox: drive one escalation, and sweep for due ones (the beat
schedule runs the sweep, so an escalation whose message was lost still goes)."""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from casework.escalation import outbox, queueing
from casework.escalation.models import IS_DUE, Escalation, EscalationState


@shared_task(name="casework.escalation.tasks.drive_escalation")
def drive_escalation(escalation_id: int) -> str:
    return outbox.drive(escalation_id)


@shared_task(name="casework.escalation.tasks.drive_due_escalations")
def drive_due_escalations() -> int:
    """Queue every escalation that is due: pending or under way and past its retry time, or
    retracted with an abandoned report still to retract."""
    now = timezone.now()
    due = Escalation.objects.filter(
        (IS_DUE & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))
        | Q(state=EscalationState.RETRACTED, abandoned__contains=[{"retracted": False}])
    ).values_list("pk", flat=True)[:1000]
    ids = list(due)
    for escalation_id in ids:
        queueing.enqueue(escalation_id)
    return len(ids)
