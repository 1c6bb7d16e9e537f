"""The webhook's events: one per verdict, approval and return, written with the decision
(the first verdict not final, its approval final, a return withdrawing it), the sweep for
lost messages, and the report API saying what the webhook says."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from casework import roles
from casework.cases import claims, decisions
from casework.escalation import tasks, webhook_outbox
from casework.escalation.webhook_models import WebhookDelivery
from reports.tokens import create_intake_token
from tests.helpers import make_user
from tests.hotlines.webhooks import (
    events_of,
    lead,
    reviewed_case,
)

pytestmark = pytest.mark.django_db


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
    with connection.cursor() as cursor:  # what a dump of the outbox shows: sealed
        cursor.execute("SELECT body FROM casework_webhookdelivery WHERE id = %s", [first.pk])
        stored = cursor.fetchone()[0]
    stored = stored.encode() if isinstance(stored, str) else bytes(stored)
    assert b"ext-41" not in stored and b"csam_suspected" not in stored
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


def test_the_sweep_queues_the_first_pending_event_of_a_case_whose_message_seems_lost(receiver):
    case = reviewed_case(52)
    decisions.approve_decision(case_id=case.pk, lead=lead(52))
    assert tasks.deliver_due_webhooks() == 0  # their own messages are on the way
    long_ago = timezone.now() - timedelta(minutes=2)
    WebhookDelivery.objects.filter(case=case).update(updated_at=long_ago)
    assert tasks.deliver_due_webhooks() == 1  # the first; the approval follows it
