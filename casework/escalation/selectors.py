"""Reads for the escalation pages: a case's escalations, the hotline dashboard's figures, the
count behind the leads' banner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Min, Prefetch
from django.utils import timezone

from casework.escalation.models import (
    Escalation,
    EscalationAttempt,
    EscalationDocument,
    EscalationState,
)
from casework.escalation.webhook_models import WebhookDelivery, WebhookState
from casework.models import CaseReport

IN_FLIGHT = (EscalationState.SENDING, EscalationState.SUBMITTED)


def for_case(case_id: int) -> list[Escalation]:
    """The case's escalations with their attempts and documents (bodies left out)."""
    return list(
        Escalation.objects.filter(case_id=case_id)
        .prefetch_related(
            Prefetch("attempts", queryset=EscalationAttempt.objects.order_by("id")),
            Prefetch("documents", queryset=EscalationDocument.objects.defer("body").order_by("id")),
            "files",
        )
        .order_by("id")
    )


def attention_counts() -> tuple[int, int, int]:
    """Escalations and webhook events needing attention, and referrals awaiting their hotline
    reference for longer than the reminder interval, in one query (every page of a lead shows
    them)."""
    table = Escalation._meta.db_table
    with connection.cursor() as cursor:
        # The table names come from the models; the states are bound parameters.
        sql = (
            f"SELECT (SELECT count(*) FROM {table} WHERE state = %s),"  # noqa: S608
            f" (SELECT count(*) FROM {WebhookDelivery._meta.db_table} WHERE state = %s),"
            f" (SELECT count(*) FROM {table} WHERE state = %s AND created_at <= %s)"
        )
        overdue = timezone.now() - timedelta(hours=settings.ESCALATION_MANUAL_REMINDER_HOURS)
        cursor.execute(
            sql,
            [
                EscalationState.NEEDS_ATTENTION,
                WebhookState.NEEDS_ATTENTION,
                EscalationState.AWAITING_REFERENCE,
                overdue,
            ],
        )
        escalations, webhooks, referrals = cursor.fetchone()
    return escalations, webhooks, referrals


@dataclass(frozen=True)
class Dashboard:
    pending: list[Escalation]
    in_flight: list[Escalation]
    needs_attention: list[Escalation]
    awaiting_reference: list[Escalation]
    finished_today: list[Escalation]
    median_to_finished: timedelta | None
    p95_to_finished: timedelta | None
    measured: int
    webhooks_pending: int = 0
    webhooks_needing_attention: list[WebhookDelivery] = field(default_factory=list)


def dashboard(now: datetime | None = None, limit: int = 200) -> Dashboard:
    now = now or timezone.now()
    rows = Escalation.objects.select_related("case").order_by("created_at")
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    finished_today = list(
        rows.filter(state=EscalationState.FINISHED, finished_at__gte=start_of_day).order_by(
            "-finished_at"
        )[:limit]
    )
    durations = _received_to_finished(since=now - timedelta(days=30))
    return Dashboard(
        pending=list(rows.filter(state=EscalationState.PENDING)[:limit]),
        in_flight=list(rows.filter(state__in=IN_FLIGHT)[:limit]),
        needs_attention=list(rows.filter(state=EscalationState.NEEDS_ATTENTION)[:limit]),
        awaiting_reference=list(rows.filter(state=EscalationState.AWAITING_REFERENCE)[:limit]),
        finished_today=finished_today,
        median_to_finished=_percentile(durations, 50),
        p95_to_finished=_percentile(durations, 95),
        measured=len(durations),
        webhooks_pending=WebhookDelivery.objects.filter(state=WebhookState.PENDING).count(),
        webhooks_needing_attention=list(
            WebhookDelivery.objects.filter(state=WebhookState.NEEDS_ATTENTION).order_by("id")[
                :limit
            ]
        ),
    )


def _received_to_finished(since: datetime) -> list[timedelta]:
    """For escalations finished since then: from the case's first report received to the
    hotline's finished report."""
    finished = dict(
        Escalation.objects.filter(
            state=EscalationState.FINISHED, finished_at__gte=since
        ).values_list("case_id", "finished_at")
    )
    received = dict(
        CaseReport.objects.filter(case_id__in=list(finished))
        .values("case_id")
        .annotate(first=Min("report__received_at"))
        .values_list("case_id", "first")
    )
    return sorted(finished[c] - received[c] for c in finished if c in received)


def _percentile(values: list[timedelta], percent: int) -> timedelta | None:
    if not values:
        return None
    index = min(len(values) - 1, round(percent / 100 * (len(values) - 1)))
    return values[index]
