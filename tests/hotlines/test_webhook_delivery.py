"""Delivering webhook events through the outbox to the sandbox receiver: retries with
backoff then delivered once, a lost answer received once, a case's events in order, and
refusals that stop for a person until a lead retries from the hotline dashboard."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import decisions
from casework.escalation import failures, webhook_outbox
from casework.escalation.webhook_models import WebhookDelivery
from casework.models import AuditEvent
from tests.helpers import make_user, signed_in
from tests.hotlines.webhooks import (
    SECRET,
    due_now,
    lead,
    reviewed_case,
)

pytestmark = pytest.mark.django_db


def test_failures_retry_with_backoff_then_deliver_once(receiver, settings):
    settings.ESCALATION_RETRY_BASE_SECONDS = 30
    case = reviewed_case(44)
    delivery = WebhookDelivery.objects.get(case=case)
    receiver.fail_next(2, 503)
    assert webhook_outbox.deliver(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.failures == 1 and delivery.next_attempt_at is not None
    first_wait = delivery.next_attempt_at
    assert webhook_outbox.deliver(delivery.pk) == "pending"  # not due yet: nothing sent
    assert receiver.calls == [503]
    due_now(delivery)
    assert webhook_outbox.deliver(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.failures == 2 and delivery.next_attempt_at > first_wait
    assert failures.backoff(2) == 2 * failures.backoff(1)
    due_now(delivery)
    assert webhook_outbox.deliver(delivery.pk) == "delivered"
    assert receiver.calls == [503, 503, 200]
    assert [e["id"] for e in receiver.events] == [str(delivery.event_id)]
    delivery.refresh_from_db()
    assert (delivery.failures, delivery.problem) == (0, "")
    assert list(delivery.attempts.values_list("http_status", flat=True)) == [503, 503, 200]
    audited = list(
        AuditEvent.objects.filter(action__startswith="webhook.").values_list("action", flat=True)
    )
    assert audited == ["webhook.queued", "webhook.failed", "webhook.failed", "webhook.delivered"]
    assert SECRET not in " ".join(str(e.data) for e in AuditEvent.objects.all())


def test_a_delivery_whose_answer_was_lost_is_sent_again_and_received_once(receiver):
    case = reviewed_case(45)
    delivery = WebhookDelivery.objects.get(case=case)
    assert webhook_outbox.deliver(delivery.pk) == "delivered"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="pending")  # as if lost
    assert webhook_outbox.deliver(delivery.pk) == "delivered"
    assert receiver.calls == [200, 409]
    assert len(receiver.events) == 1


def test_a_pending_event_holds_back_the_later_ones_of_its_case(receiver):
    case = reviewed_case(46)
    decisions.approve_decision(case_id=case.pk, lead=lead(46))
    recorded, approved = WebhookDelivery.objects.filter(case=case).order_by("id")
    receiver.fail_next(1, "drop")
    assert webhook_outbox.deliver(approved.pk) == "pending"
    assert receiver.events == []
    due_now(recorded)
    assert webhook_outbox.deliver(approved.pk) == "delivered"
    assert [e["type"] for e in receiver.events] == ["verdict.recorded", "verdict.approved"]


def test_a_refused_signature_stops_for_a_person(receiver, settings):
    settings.WEBHOOK_SECRET = "not-the-receivers-secret-0123456789"
    case = reviewed_case(47)
    delivery = WebhookDelivery.objects.get(case=case)
    assert webhook_outbox.deliver(delivery.pk) == "needs_attention"
    delivery.refresh_from_db()
    assert "refused the signature" in delivery.problem
    assert AuditEvent.objects.filter(action="webhook.needs_attention").exists()


def test_too_many_failures_in_a_row_stop_for_a_person(receiver, settings):
    settings.ESCALATION_MAX_ATTEMPTS = 2
    case = reviewed_case(48)
    delivery = WebhookDelivery.objects.get(case=case)
    receiver.fail_next(5, 500)
    assert webhook_outbox.deliver(delivery.pk) == "pending"
    due_now(delivery)
    assert webhook_outbox.deliver(delivery.pk) == "needs_attention"


def test_a_lead_sees_a_stopped_event_and_retries_it_from_the_dashboard(receiver, settings):
    settings.WEBHOOK_SECRET = "not-the-receivers-secret-0123456789"
    case = reviewed_case(53)
    delivery = WebhookDelivery.objects.get(case=case)
    assert webhook_outbox.deliver(delivery.pk) == "needs_attention"
    watcher = signed_in(make_user("watcher-53", roles.ESCALATION_LEAD))
    page = watcher.get("/escalations/").content.decode()
    assert "1 webhook event needs attention" in page  # the leads' banner
    assert f"Case {case.pk}" in page and "refused the signature" in page
    reviewer = signed_in(make_user("rev-53b", roles.REVIEWER))
    assert reviewer.post(f"/webhooks/{delivery.pk}/retry").status_code == 403
    assert "webhook event" not in reviewer.get("/queues/").content.decode()

    settings.WEBHOOK_SECRET = SECRET  # the secret is put right
    answer = watcher.post(f"/webhooks/{delivery.pk}/retry", follow=True)
    assert f"Webhook event {delivery.pk} will be sent again." in answer.content.decode()
    assert AuditEvent.objects.filter(action="webhook.retried", actor="user:watcher-53").exists()
    assert webhook_outbox.deliver(delivery.pk) == "delivered"
    assert len(receiver.events) == 1
    again = watcher.post(f"/webhooks/{delivery.pk}/retry", follow=True).content.decode()
    assert "Only a webhook event that needs attention can be retried." in again
    assert watcher.post("/webhooks/999999/retry").status_code == 404


def test_a_stopped_event_holds_back_the_later_ones_until_a_lead_retries_it(receiver, settings):
    settings.WEBHOOK_SECRET = "not-the-receivers-secret-0123456789"
    case = reviewed_case(54)
    recorded = WebhookDelivery.objects.get(case=case)
    assert webhook_outbox.deliver(recorded.pk) == "needs_attention"
    settings.WEBHOOK_SECRET = SECRET  # put right, but the stopped event waits for a person
    decisions.approve_decision(case_id=case.pk, lead=lead(54))
    approved = WebhookDelivery.objects.filter(case=case).order_by("id").last()
    assert webhook_outbox.deliver(approved.pk) == "pending"
    assert receiver.events == []
    watcher = signed_in(make_user("watcher-54", roles.ESCALATION_LEAD))
    watcher.post(f"/webhooks/{recorded.pk}/retry")
    assert webhook_outbox.deliver(recorded.pk) == "delivered"
    assert [e["type"] for e in receiver.events] == ["verdict.recorded", "verdict.approved"]
