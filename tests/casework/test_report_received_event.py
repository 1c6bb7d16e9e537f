"""A stored report's `report.received` event is written by the database with the report:
by intake, by a batch, and by any other insert; never for a repeat; and it chains like any
other event."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from casework import audit
from casework.models import AuditEvent
from reports.models import Platform, Report
from tests.conftest import report_document

pytestmark = pytest.mark.django_db


def received_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="report.received").order_by("id"))


def test_intake_writes_one_event_per_new_report_and_none_for_a_repeat(intake):
    first = intake.post(report_document("once"))
    assert first.status_code == 201
    assert intake.post(report_document("once")).status_code == 200
    (event,) = received_events()
    assert event.target == f"report:{first.json()['id']}"
    assert event.actor == "platform:test-platform"
    assert event.data == {"source": "user_report", "reason": "csam"}
    assert audit.seal_all() >= 1
    assert audit.verify_chain().ok


def test_any_insert_of_a_report_records_it_and_a_rolled_back_one_leaves_nothing(token):
    platform = Platform.objects.get(name="test-platform")
    fields = dict(
        platform=platform,
        source="user_report",
        reason="csam",
        raw_payload={},
        reported_at=timezone.now(),
    )
    report = Report.objects.create(external_id="by-orm", **fields)
    with pytest.raises(RuntimeError), transaction.atomic():
        Report.objects.create(external_id="rolled-back", **fields)
        raise RuntimeError
    assert [e.target for e in received_events()] == [f"report:{report.pk}"]
