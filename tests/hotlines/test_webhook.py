"""The signed webhook: signatures a receiver can check (and refuses when tampered, stale or
replayed), one event per verdict, approval and return written with the decision, delivered
through the outbox with retries and backoff to the sandbox receiver, exactly once as the
receiver sees it; and the report API saying what the webhook says."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from casework import roles
from casework.cases import claims, decisions, filing
from casework.escalation import failures, tasks, webhook_outbox
from casework.escalation.webhook_models import WebhookDelivery
from casework.hotlines import webhook
from casework.hotlines.webhook import signing
from casework.hotlines.webhook.sandbox import WebhookSandbox
from casework.models import AuditEvent, Case
from reports.tokens import create_intake_token
from tests.helpers import make_user, stored_image
from tests.hotlines.escalations import us_account

pytestmark = pytest.mark.django_db

KEY_ID = "k1"
SECRET = "webhook-test-secret-0123456789abcdef"  # noqa: S105 (a test's own secret)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver(settings, clock):
    server = WebhookSandbox(key_id=KEY_ID, secret=SECRET, clock=clock).start()
    settings.WEBHOOK_URL = server.url
    settings.WEBHOOK_KEY_ID = KEY_ID
    settings.WEBHOOK_SECRET = SECRET
    yield server
    server.stop()


def post_signed(server: WebhookSandbox, body: bytes, timestamp: int, **headers: str):
    sent = signing.signed_headers(KEY_ID, SECRET, timestamp, body) | headers
    return requests.post(server.url, data=body, headers=sent, timeout=10)


def an_event(event_id: str = "e1") -> bytes:
    return webhook.event_body({"id": event_id, "type": "verdict.recorded"})


# --- Signatures --------------------------------------------------------------------------


def test_a_signature_round_trips_and_binds_body_timestamp_and_key():
    body, now = an_event(), 1_800_000_000
    headers = signing.signed_headers(KEY_ID, SECRET, now, body)
    assert headers[signing.SIGNATURE_HEADER].startswith("sha256=")
    verified = signing.verify(headers, body, {KEY_ID: SECRET}, now + 10)
    assert (verified.key_id, verified.timestamp) == (KEY_ID, now)
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(headers, body + b" ", {KEY_ID: SECRET}, now)
    later = headers | {signing.TIMESTAMP_HEADER: str(now + 1)}
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(later, body, {KEY_ID: SECRET}, now)
    with pytest.raises(signing.SignatureRefused, match="not a known key"):
        signing.verify(headers, body, {"other": SECRET}, now)
    with pytest.raises(signing.SignatureRefused, match="does not match"):
        signing.verify(headers, body, {KEY_ID: SECRET + "x"}, now)
    with pytest.raises(signing.SignatureRefused, match="at most 300 s"):
        signing.verify(headers, body, {KEY_ID: SECRET}, now + 301)


def test_the_sandbox_refuses_a_tampered_body(receiver, clock):
    body = an_event()
    headers = signing.signed_headers(KEY_ID, SECRET, int(clock.now), body)
    answer = requests.post(
        receiver.url, data=body.replace(b"e1", b"e2"), headers=headers, timeout=10
    )
    assert answer.status_code == 401
    assert "does not match" in answer.json()["error"]
    assert receiver.events == []


def test_the_sandbox_refuses_a_stale_timestamp(receiver, clock):
    answer = post_signed(receiver, an_event(), int(clock.now) - 301)
    assert answer.status_code == 401
    assert "at most 300 s" in answer.json()["error"]
    assert post_signed(receiver, an_event(), int(clock.now) - 299).status_code == 200


def test_the_sandbox_refuses_a_replayed_signature_and_a_repeated_event_id(receiver, clock):
    body, now = an_event(), int(clock.now)
    assert post_signed(receiver, body, now).status_code == 200
    replayed = post_signed(receiver, body, now)
    assert (replayed.status_code, replayed.json()["error"]) == (409, "replayed signature")
    again = post_signed(receiver, body, now + 1)  # signed afresh: a retry of the same event
    assert (again.status_code, again.json()["error"]) == (409, "event already received")
    assert [e["id"] for e in receiver.events] == ["e1"]


def test_the_sandbox_fails_on_demand_before_checking_anything(receiver, clock):
    receiver.fail_next(2, 503)
    now = int(clock.now)
    statuses = [post_signed(receiver, an_event(f"e{n}"), now).status_code for n in range(3)]
    assert statuses == [503, 503, 200]
    control = requests.post(
        receiver.url.replace("/webhook", "/_sandbox/fail"), json={"count": 1}, timeout=10
    )
    assert control.status_code == 200
    assert post_signed(receiver, an_event("e9"), now).status_code == 503
    with pytest.raises(ValueError, match="bad failure"):
        receiver.fail_next(1, "418")


# --- Events from decisions ---------------------------------------------------------------


def reviewed_case(n: int, verdict: str = "csam_suspected") -> Case:
    """A US case whose reviewer has recorded `verdict` (labelling its one image)."""
    media, _ = stored_image(n, f"ext-{n}", **us_account(n))
    case = filing.file_report(media.report_id)
    reviewer = make_user(f"rev-{n}", roles.REVIEWER)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    labels = {str(media.pk): {"industry": "A1"}}
    decisions.record_decision(
        case_id=case.pk, user=reviewer, verdict=verdict, media_labels=labels, notes="private"
    )
    return case


def lead(n: int):
    return make_user(f"lead-{n}", roles.ESCALATION_LEAD)


def events_of(case: Case) -> list[tuple[str, str | None, bool]]:
    rows = WebhookDelivery.objects.filter(case=case).order_by("id")
    return [(d.event, d.payload["verdict"], d.payload["final"]) for d in rows]


def test_nothing_is_written_when_no_webhook_url_is_set(settings):
    settings.WEBHOOK_URL = ""
    case = reviewed_case(40)
    decisions.approve_decision(case_id=case.pk, lead=lead(40))
    assert not WebhookDelivery.objects.exists()


def test_the_first_verdict_fires_not_final_and_the_approval_fires_final(receiver):
    case = reviewed_case(41)
    assert events_of(case) == [("verdict.recorded", "csam_suspected", False)]
    [first] = WebhookDelivery.objects.filter(case=case)
    report = case.case_reports.get().report
    media = report.media.get()
    assert first.payload["reports"] == [
        {"id": report.pk, "platform": "p", "source": "api", "external_id": "ext-41"}
    ]
    assert first.payload["media"] == [
        {
            "id": media.pk,
            "report_id": report.pk,
            "sha256": media.sha256,
            "labels": {"industry": "A1", "iwf": "", "annotations": []},
        }
    ]
    assert first.payload["id"] == str(first.event_id)
    assert "private" not in json.dumps(first.payload)  # no reviewer's note, no names
    assert "rev-41" not in json.dumps(first.payload)
    decisions.approve_decision(case_id=case.pk, lead=lead(41))
    assert events_of(case) == [
        ("verdict.recorded", "csam_suspected", False),
        ("verdict.approved", "csam_suspected", True),
    ]
    [recorded, approved] = WebhookDelivery.objects.filter(case=case).order_by("id")
    assert webhook_outbox.deliver(approved.pk) == "delivered"
    # In order: the verdict, then its approval, each once.
    assert [e["type"] for e in receiver.events] == ["verdict.recorded", "verdict.approved"]
    assert {e["id"] for e in receiver.events} == {str(recorded.event_id), str(approved.event_id)}


def test_a_return_withdraws_the_verdict(receiver):
    case = reviewed_case(42, "csam_confirmed")
    decisions.return_decision(case_id=case.pk, lead=lead(42), reason="look again")
    assert events_of(case) == [
        ("verdict.recorded", "csam_confirmed", False),
        ("verdict.returned", None, False),
    ]
    returned = WebhookDelivery.objects.get(case=case, event="verdict.returned")
    assert returned.payload["returned_verdict"] == "csam_confirmed"
    assert "look again" not in json.dumps(returned.payload)


def test_a_verdict_needing_no_approval_fires_once_as_final(receiver):
    case = reviewed_case(43, "not_csam")
    assert events_of(case) == [("verdict.recorded", "not_csam", True)]


# --- Delivery ----------------------------------------------------------------------------


def due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)


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


# --- The report API ----------------------------------------------------------------------


def test_the_report_api_shows_the_verdict_as_soon_as_recorded_and_when_final(receiver):
    _, token = create_intake_token("p", created_by="system:test")
    case = reviewed_case(49)
    report_id = case.case_reports.get().report_id

    def seen() -> tuple[str | None, bool]:
        answer = (
            Client()
            .get(f"/api/v1/reports/{report_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
            .json()
        )
        return answer["verdict"], answer["verdict_final"]

    assert seen() == ("csam_suspected", False)
    decisions.return_decision(case_id=case.pk, lead=lead(49), reason="look again")
    assert seen() == (None, False)
    reviewer = make_user("rev-49b", roles.REVIEWER)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="csam_confirmed")
    assert seen() == ("csam_confirmed", False)
    decisions.approve_decision(case_id=case.pk, lead=lead(50))
    assert seen() == ("csam_confirmed", True)
    closed = reviewed_case(51, "not_csam")
    report_id = closed.case_reports.get().report_id
    assert seen() == ("not_csam", True)


def test_the_openapi_document_describes_the_verdict_fields():
    document = Client().get("/api/v1/openapi.json").json()
    properties = document["components"]["schemas"]["ReportOut"]["properties"]
    assert properties["verdict_final"]["type"] == "boolean"
    assert "as soon as" in properties["verdict"]["description"]


# --- The command -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_command_runs_a_webhook_sandbox_that_fails_first_on_demand():
    port = free_port()
    command = [sys.executable, "manage.py", "hotline_sandbox", "webhook", "--port", str(port)]
    options = ["--key-id", KEY_ID, "--secret", SECRET, "--fail-first", "1"]
    process = subprocess.Popen(
        [*command, *options],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/webhook" in line
        server = type("Server", (), {"url": f"http://127.0.0.1:{port}/webhook"})
        now = int(time.time())
        assert post_signed(server, an_event(), now).status_code == 503
        assert post_signed(server, an_event(), now).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_readmes_receiver_accepts_a_delivery_and_refuses_what_the_sandbox_refuses():
    readme = (django_settings.BASE_DIR / "README.md").read_text()
    start = readme.index("```python\nimport hashlib, hmac, json, time")
    snippet = readme[start + len("```python\n") : readme.index("```", start + 10)]
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 (the README's own example)
    receive, seen = namespace["receive"], set()
    body, now = an_event(), int(time.time())
    headers = signing.signed_headers(KEY_ID, SECRET, now, body)
    assert receive(headers, body, {KEY_ID: SECRET}, seen) == 200
    assert receive(headers, body, {KEY_ID: SECRET}, seen) == 409
    assert receive(headers, body + b" ", {KEY_ID: SECRET}, seen) == 401
    stale = signing.signed_headers(KEY_ID, SECRET, now - 301, an_event("e2"))
    assert receive(stale, an_event("e2"), {KEY_ID: SECRET}, seen) == 401


def test_the_sweep_queues_the_first_pending_event_of_a_case_whose_message_seems_lost(receiver):
    case = reviewed_case(52)
    decisions.approve_decision(case_id=case.pk, lead=lead(52))
    assert tasks.deliver_due_webhooks() == 0  # their own messages are on the way
    long_ago = timezone.now() - timedelta(minutes=2)
    WebhookDelivery.objects.filter(case=case).update(updated_at=long_ago)
    assert tasks.deliver_due_webhooks() == 1  # the first; the approval follows it
