"""`/metrics` for operators, in Prometheus' text format (names start with `casework_`).

Two kinds of figures:
- measured in every process (request latency, task durations and failures): prometheus_client's
  multiprocess mode, each process writing to PROMETHEUS_MULTIPROC_DIR (under the data folder,
  shared by web, worker and beat), summed at scrape time;
- read from the database when scraped (queue depths, the escalation outbox, the audit sealer's
  lag, media waiting): the same answer whichever process is asked.

A scrape shows no case, report or person, so it is not written to the audit log (a scraper
asks every 15 seconds); it needs the METRICS_TOKEN bearer token.
"""

from __future__ import annotations

import hmac
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from casework.devrun.services import MULTIPROCESS_METRICS_DIR as MULTIPROCESS_DIR

if os.environ.get(MULTIPROCESS_DIR):  # made by the first process that measures anything
    Path(os.environ[MULTIPROCESS_DIR]).mkdir(parents=True, exist_ok=True)
    # Web, worker and beat containers share the folder and may each have a process 7: name
    # each process's files by host and process id, not the id alone.
    values.ValueClass = values.MultiProcessValue(
        lambda: f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"
    )

REQUEST_SECONDS = Histogram(
    "casework_http_request_duration_seconds",
    "Time to answer an HTTP request, by route",
    ["method", "route", "status"],
)
TASK_SECONDS = Histogram(
    "casework_task_duration_seconds",
    "Time a Celery task ran, by task",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, float("inf")),
)
TASK_FAILURES = Counter("casework_task_failures", "Celery task runs that raised", ["task"])


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = (match.route or match.view_name) if match else "unmatched"
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(request.method, route, status).observe(time.perf_counter() - started)
        return response


def task_finished(task_name: str, seconds: float, *, failed: bool) -> None:
    TASK_SECONDS.labels(task_name).observe(seconds)
    if failed:
        TASK_FAILURES.labels(task_name).inc()


class DatabaseFigures:
    """Read when scraped: what is waiting, and for how long."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from casework.escalation.models import Escalation
        from casework.models import OPEN_STATUSES, AuditEvent, AuditSeal, Case, Queue
        from reports import api as reports

        now = timezone.now()
        slugs = dict(Queue.objects.values_list("pk", "slug"))
        open_cases = (
            Case.objects.filter(status__in=OPEN_STATUSES)
            .values("queue_id")
            .annotate(n=Count("pk"), oldest=Min("created_at"))
        )
        depth = GaugeMetricFamily("casework_queue_open_cases", "Open cases", labels=["queue"])
        age = GaugeMetricFamily(
            "casework_queue_oldest_open_seconds", "Age of the oldest open case", labels=["queue"]
        )
        seen = set()
        for row in open_cases:
            seen.add(row["queue_id"])
            depth.add_metric([slugs[row["queue_id"]]], row["n"])
            age.add_metric([slugs[row["queue_id"]]], (now - row["oldest"]).total_seconds())
        for pk, slug in slugs.items():
            if pk not in seen:
                depth.add_metric([slug], 0)
                age.add_metric([slug], 0)
        yield depth
        yield age

        outbox = GaugeMetricFamily(
            "casework_escalations", "Escalations by target and state", labels=["target", "state"]
        )
        for row in Escalation.objects.values("target", "state").annotate(n=Count("pk")):
            outbox.add_metric([row["target"], row["state"]], row["n"])
        yield outbox

        head = AuditSeal.objects.order_by("-id").values_list("event_id", flat=True).first() or 0
        pending = AuditEvent.objects.filter(id__gt=head).aggregate(n=Count("pk"), oldest=Min("at"))
        yield GaugeMetricFamily(
            "casework_audit_unsealed_events", "Audit events not chained yet", value=pending["n"]
        )
        lag = (now - pending["oldest"]).total_seconds() if pending["oldest"] else 0
        yield GaugeMetricFamily(
            "casework_audit_sealer_lag_seconds", "Age of the oldest unsealed event", value=lag
        )
        yield GaugeMetricFamily(
            "casework_media_pending",
            "Media waiting to be hashed and previewed",
            value=reports.media_pending(),
        )


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(registry)
    registry.register(DatabaseFigures())
    return generate_latest(registry)


def authorised(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}"
    given = request.headers.get("Authorization", "")
    return bool(settings.METRICS_TOKEN) and hmac.compare_digest(given, expected)


def content_type() -> str:
    return CONTENT_TYPE_LATEST
