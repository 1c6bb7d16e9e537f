"""The worker's side of the outboxes: drive one escalation or deliver one webhook event, and
sweep for due ones (the beat schedule runs the sweeps, so one whose message was lost still
goes)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from casework.escalation import manual, outbox, queueing, webhook_outbox
from casework.escalation.models import IS_DUE, Escalation, EscalationState
from casework.escalation.webhook_models import WebhookDelivery, WebhookState
from casework.escalation.webhooks import DELIVER_TASK

# Every escalation has a message of its own on the way (queued at approval, or with its
# retry's countdown): the sweep is for messages that were lost, so it leaves alone one that
# changed or came due this recently.
SWEEP_GRACE = timedelta(seconds=60)


@shared_task(name="casework.escalation.tasks.drive_escalation")
def drive_escalation(escalation_id: int) -> str:
    return outbox.drive(escalation_id)


@shared_task(name="casework.escalation.tasks.drive_due_escalations")
def drive_due_escalations() -> int:
    """Queue every escalation that is due and whose own message seems lost: pending or under
    way and past its retry time, or retracted with an abandoned report still to retract, and
    unchanged for SWEEP_GRACE."""
    settled = timezone.now() - SWEEP_GRACE
    due = Escalation.objects.filter(
        (IS_DUE & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=settled)))
        | Q(state=EscalationState.RETRACTED, abandoned__contains=[{"retracted": False}]),
        updated_at__lte=settled,
    ).values_list("pk", flat=True)[:1000]
    ids = list(due)
    for escalation_id in ids:
        queueing.enqueue(escalation_id)
    return len(ids)


@shared_task(name="casework.escalation.tasks.remind_manual_escalations")
def remind_manual_escalations() -> int:
    """Remind (audit) each referral still awaiting its hotline reference, once per interval."""
    return manual.remind()


@shared_task(name="casework.escalation.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    return webhook_outbox.deliver(delivery_id)


@shared_task(name="casework.escalation.tasks.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """Queue the first pending event of each case whose own message seems lost: due, and
    unchanged for SWEEP_GRACE (the rest of the case's events follow it)."""
    settled = timezone.now() - SWEEP_GRACE
    first_of_case = (
        WebhookDelivery.objects.filter(state=WebhookState.PENDING)
        .order_by("case_id", "id")
        .distinct("case_id")
    )
    due = [
        d.pk
        for d in first_of_case[:1000]
        if d.updated_at <= settled and (d.next_attempt_at is None or d.next_attempt_at <= settled)
    ]
    for delivery_id in due:
        queueing.enqueue_task(DELIVER_TASK, delivery_id)
    return len(due)
