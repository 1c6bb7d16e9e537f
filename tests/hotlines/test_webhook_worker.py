"""The webhook end to end through a real Celery worker: the decision's commit queues its
event, the worker signs and sends it, the receiver's failure is retried on the backoff's
countdown, and the receiver has it once."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from casework.escalation.webhook_models import WebhookDelivery
from casework.hotlines.webhook.sandbox import WebhookSandbox
from casework.models import AuditEvent
from tests.conftest import start_worker, wait_for
from tests.hotlines.webhooks import KEY_ID, SECRET, reviewed_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
QUEUE = "webhook-worker-test"


@pytest.fixture
def receiver_and_worker(settings) -> Iterator[WebhookSandbox]:
    server = WebhookSandbox(key_id=KEY_ID, secret=SECRET).start()
    settings.WEBHOOK_URL = server.url
    settings.WEBHOOK_KEY_ID = KEY_ID
    settings.WEBHOOK_SECRET = SECRET
    settings.ESCALATION_QUEUE = QUEUE
    log_path = django_settings.DATA_DIR / "webhook-worker.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    worker = start_worker(
        log,
        f"--queues={QUEUE}",
        "--purge",
        WEBHOOK_URL=server.url,
        WEBHOOK_KEY_ID=KEY_ID,
        WEBHOOK_SECRET=SECRET,
        ESCALATION_QUEUE=QUEUE,
        ESCALATION_RETRY_BASE_SECONDS="1",
    )
    try:
        wait_for(
            lambda: "ready." in log_path.read_text() or worker.poll() is not None,
            timeout=60,
            message="the webhook worker to start",
        )
        assert worker.poll() is None, f"the webhook worker stopped; see {log_path}"
        yield server
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        server.stop()


def test_a_verdict_reaches_the_receiver_through_the_worker_after_a_failure(
    receiver_and_worker,
):
    receiver = receiver_and_worker
    receiver.fail_next(1, 503)
    case = reviewed_case(60)  # its commit queues the event
    delivery = WebhookDelivery.objects.get(case=case)
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, state="delivered").exists(),
        timeout=30,
        message="the event to be delivered",
    )
    assert receiver.calls == [503, 200]
    [event] = receiver.events
    assert (event["id"], event["type"], event["final"]) == (
        str(delivery.event_id),
        "verdict.recorded",
        False,
    )
    actions = list(
        AuditEvent.objects.filter(action__startswith="webhook.").values_list("action", flat=True)
    )
    assert actions == ["webhook.queued", "webhook.failed", "webhook.delivered"]
