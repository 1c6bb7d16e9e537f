"""What the webhook tests share: the receiver's key, a clock to move, signed requests, and
cases whose reviewer has decided."""

from __future__ import annotations

import time

import requests

from casework import roles
from casework.cases import claims, decisions, filing
from casework.escalation.webhook_models import WebhookDelivery
from casework.hotlines import webhook
from casework.hotlines.webhook import signing
from casework.hotlines.webhook.sandbox import WebhookSandbox
from casework.models import Case
from tests.helpers import make_user, stored_image
from tests.hotlines.escalations import us_account

KEY_ID = "k1"
SECRET = "webhook-test-secret-0123456789abcdef"  # noqa: S105 (a test's own secret)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def post_signed(server: WebhookSandbox, body: bytes, timestamp: int, **headers: str):
    sent = signing.signed_headers(KEY_ID, SECRET, timestamp, body) | headers
    return requests.post(server.url, data=body, headers=sent, timeout=10)


def an_event(event_id: str = "e1") -> bytes:
    return webhook.event_body({"id": event_id, "type": "verdict.recorded"})


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


def due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
