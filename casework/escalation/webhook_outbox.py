"""Delivering webhook events: the worker's side of the webhook outbox.

Exactly once as far as the receiver can tell: each event has its id, the same on every
retry, so a receiver drops a repeat (answering 2xx or 409, both taken as delivered). A case's
events go in the order they were written: one still pending holds back the later ones, so a
receiver never learns of an approval before the verdict it approves. Only one worker drives
a case's events at a time (a PostgreSQL advisory lock, released if the worker dies). Each
attempt is recorded and audited; failures retry with the escalations' backoff, and stop for
a person after ESCALATION_MAX_ATTEMPTS in a row, or at once when refused.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.escalation import queueing
from casework.escalation.failures import backoff
from casework.escalation.outbox import exclusive
from casework.escalation.webhook_models import WebhookAttempt, WebhookDelivery, WebhookState
from casework.escalation.webhooks import ACTOR, DELIVER_TASK
from casework.hotlines import Answer
from casework.hotlines.webhook import WebhookEndpoint

log = logging.getLogger(__name__)
LOCK_CLASS = 0x57454231  # advisory lock namespace for a case's webhook events


def deliver(delivery_id: int, *, endpoint: WebhookEndpoint | None = None) -> str:
    """Deliver the pending events of this one's case, in order, until one fails or none is
    left; returns this one's state afterwards ("busy" if another worker is delivering the
    case's events: that worker also sends this one)."""
    rows = WebhookDelivery.objects.filter(pk=delivery_id)
    case_id = rows.values_list("case_id", flat=True).first()
    if case_id is None:
        return "gone"  # a message that outlived its row (a test database flushed)
    with exclusive_case(case_id) as mine:
        if not mine:
            return "busy"
        own_endpoint = endpoint is None
        endpoint = endpoint or WebhookEndpoint()
        try:
            _deliver_in_order(case_id, endpoint)
        finally:
            if own_endpoint:
                endpoint.close()
    return WebhookDelivery.objects.values_list("state", flat=True).get(pk=delivery_id)


def exclusive_case(case_id: int):
    return exclusive(case_id, lock_class=LOCK_CLASS)


def _deliver_in_order(case_id: int, endpoint: WebhookEndpoint) -> None:
    # Looked up again once the list is sent: an event written meanwhile, whose own message
    # found this case busy, goes now rather than with the sweep.
    while pending := _pending_of_case(case_id):
        for delivery in pending:
            if not _attempt_if_due(delivery, endpoint):
                return  # the later events wait behind this one


def _pending_of_case(case_id: int) -> list[WebhookDelivery]:
    """The case's pending events in order, up to the first that stopped for a person: the
    later ones wait until a lead retries it, so a receiver never gets `approved` before the
    `recorded` it follows."""
    unsent = WebhookDelivery.objects.filter(
        case_id=case_id, state__in=(WebhookState.PENDING, WebhookState.NEEDS_ATTENTION)
    ).order_by("id")
    due = []
    for delivery in unsent:
        if delivery.state == WebhookState.NEEDS_ATTENTION:
            break
        due.append(delivery)
    return due


def _attempt_if_due(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> bool:
    """True when delivered (the next event may go)."""
    if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
        return False
    answer = endpoint.deliver(delivery.body.encode())
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            outcome=answer.outcome,
            http_status=answer.http_status,
            message=answer.message[:2000],
        )
        if answer.ok or answer.outcome == "already_done":
            _delivered(delivery, answer)
            return True
        if answer.outcome == "retry":
            _later(delivery, answer)
        else:
            _stop(delivery, answer)
    return False


def _about(delivery: WebhookDelivery, answer: Answer, **more) -> dict:
    return {
        "delivery": delivery.pk,
        "event": delivery.event,
        "event_id": str(delivery.event_id),
        "http_status": answer.http_status,
        "outcome": answer.outcome,
        **more,
    }


def _delivered(delivery: WebhookDelivery, answer: Answer) -> None:
    delivery.state = WebhookState.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.failures, delivery.problem, delivery.next_attempt_at = 0, "", None
    delivery.save()
    audit.record(
        "webhook.delivered",
        actor=ACTOR,
        target=f"case:{delivery.case_id}",
        data=_about(delivery, answer),
    )


def _later(delivery: WebhookDelivery, answer: Answer) -> None:
    delivery.failures += 1
    if delivery.failures >= settings.ESCALATION_MAX_ATTEMPTS:
        return _stop(delivery, answer)
    wait = backoff(delivery.failures)
    delivery.next_attempt_at = timezone.now() + wait
    delivery.problem = answer.message
    delivery.save(update_fields=["failures", "next_attempt_at", "problem", "updated_at"])
    audit.record(
        "webhook.failed",
        actor=ACTOR,
        target=f"case:{delivery.case_id}",
        data=_about(delivery, answer, retry_in_seconds=wait.total_seconds()),
    )
    transaction.on_commit(
        lambda: queueing.enqueue_task(DELIVER_TASK, delivery.pk, countdown=wait.total_seconds())
    )
    return None


def _stop(delivery: WebhookDelivery, answer: Answer) -> None:
    reason = {
        "credentials": "the receiver refused the signature (check WEBHOOK_KEY_ID, "
        "WEBHOOK_SECRET and the clocks)",
        "refused": "the receiver refused the event",
        "retry": f"{delivery.failures} attempts in a row failed",
    }.get(answer.outcome, answer.outcome)
    delivery.state = WebhookState.NEEDS_ATTENTION
    delivery.problem = f"{reason}: {answer.message}"
    delivery.save(update_fields=["state", "failures", "problem", "updated_at"])
    log.error("Webhook delivery %s needs attention: %s", delivery.pk, delivery.problem)
    audit.record(
        "webhook.needs_attention",
        actor=ACTOR,
        target=f"case:{delivery.case_id}",
        data=_about(delivery, answer, problem=delivery.problem),
    )
