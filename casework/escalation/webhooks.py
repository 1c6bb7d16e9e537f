"""The webhook's events: written with the decision they announce, in its own transaction
(one outbox row each), and queued for the worker once that transaction commits.

A reviewer's CSAM verdict already means "take it down": the second person gates the hotline
report, not the takedown. So a verdict that needs approval is announced at once with
``final: false``, and again when it is approved (``verdict.approved``, ``final: true``) or
returned (``verdict.returned``: ``verdict`` null, ``final`` false, the withdrawn verdict in
``returned_verdict``; a new ``verdict.recorded`` follows the next review). A verdict that
needs no approval is announced once, with ``final: true``.

What an event says: ids the platform knows (its reports' ids, sources and external ids, the
media's ids and SHA-256), the verdict, labels and incident type. No personal data beyond
what the platform sent, and no reviewer's name, note or reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework import audit, permissions
from casework.cases.errors import CaseActionRefused
from casework.escalation import queueing
from casework.escalation.webhook_models import WebhookDelivery, WebhookState
from casework.hotlines.webhook import event_body
from casework.models import Case, Decision
from reports import api

RECORDED = "verdict.recorded"
APPROVED = "verdict.approved"
RETURNED = "verdict.returned"
ACTOR = "system:webhook"
DELIVER_TASK = "casework.escalation.tasks.deliver_webhook"


def enabled() -> bool:
    return bool(settings.WEBHOOK_URL)


def announce(event: str, *, case: Case, decision: Decision, final: bool) -> WebhookDelivery | None:
    """Write the event's outbox row inside the caller's transaction (nothing when WEBHOOK_URL
    is empty); the worker is told once the transaction commits."""
    if not enabled():
        return None
    delivery = WebhookDelivery(event=event, case=case, decision=decision)
    delivery.body = event_body(payload(delivery, final=final)).decode()
    delivery.save()
    audit.record(
        "webhook.queued",
        actor=ACTOR,
        target=f"case:{case.pk}",
        data={"delivery": delivery.pk, "event": event, "event_id": str(delivery.event_id)},
    )
    transaction.on_commit(lambda: queueing.enqueue_task(DELIVER_TASK, delivery.pk))
    return delivery


def payload(delivery: WebhookDelivery, *, final: bool) -> dict[str, Any]:
    decision = delivery.decision
    returned = delivery.event == RETURNED
    report_ids = list(
        delivery.case.case_reports.order_by("report_id").values_list("report_id", flat=True)
    )
    reports = api.reports_with_media(report_ids)
    labels = decision.media_labels or {}
    return {
        "id": str(delivery.event_id),
        "type": delivery.event,
        "occurred_at": timezone.now().isoformat(),
        "case_id": delivery.case_id,
        "decision_id": decision.pk,
        "verdict": None if returned else decision.verdict,
        "final": final,
        "returned_verdict": decision.verdict if returned else None,
        "incident_type": decision.incident_type or None,
        "reports": [
            {
                "id": report.pk,
                "platform": report.platform.name,
                "source": report.source,
                "external_id": report.external_id,
            }
            for report in reports
        ],
        "media": [
            {
                "id": media.pk,
                "report_id": report.pk,
                "sha256": media.sha256 or None,
                "labels": labels.get(str(media.pk)),
            }
            for report in reports
            for media in report.media.all()
        ],
    }


def retry(*, delivery_id: int, lead: Any) -> WebhookDelivery:
    """A lead sends a stopped event again (the same event id: a receiver that has it drops it)."""
    if not permissions.may_lead(lead):
        raise CaseActionRefused("Only escalation leads retry webhook events.")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != WebhookState.NEEDS_ATTENTION:
            raise CaseActionRefused("Only a webhook event that needs attention can be retried.")
        problem = delivery.problem
        delivery.state = WebhookState.PENDING
        delivery.failures, delivery.problem, delivery.next_attempt_at = 0, "", None
        delivery.save(
            update_fields=["state", "failures", "problem", "next_attempt_at", "updated_at"]
        )
        audit.by_user(
            lead,
            "webhook.retried",
            target=f"case:{delivery.case_id}",
            data={"delivery": delivery.pk, "event": delivery.event, "problem": problem},
        )
        transaction.on_commit(lambda: queueing.enqueue_task(DELIVER_TASK, delivery.pk))
    return delivery
