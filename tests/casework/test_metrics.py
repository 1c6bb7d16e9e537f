"""/metrics: Prometheus' text format for the bearer of METRICS_TOKEN, refused to anyone else;
figures from every process (requests here, tasks in the real worker) and from the database."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from casework import audit
from casework.cases import filing
from tests.conftest import wait_for
from tests.helpers import stored_image

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape_() -> str:
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        return response.content.decode()

    return scrape_


def value(text: str, name: str, **labels: str) -> float:
    """The sample's value, labels matched in any order."""
    for line in text.splitlines():
        if not line.startswith(name + ("{" if labels else " ")):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in:\n{text}")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}"])
def test_metrics_refuse_anyone_without_the_token(settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client().get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert b"casework_" not in response.content


def test_metrics_refuse_everyone_when_no_token_is_set(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_metrics_count_requests_and_read_queues_and_the_sealer(scrape):
    before = scrape()
    media, _ = stored_image(51, "m-51")
    case = filing.file_report(media.report_id)
    audit.seal_all()
    audit.record("case.viewed", actor="user:m", target=f"case:{case.pk}")
    Client().get("/healthz")
    text = scrape()
    assert all(line.startswith(("#", "casework_")) for line in text.splitlines() if line)
    assert value(text, "casework_queue_open_cases", queue=case.queue.slug) == 1
    assert value(text, "casework_queue_oldest_open_seconds", queue=case.queue.slug) >= 0
    assert value(text, "casework_audit_unsealed_events") == 1
    count = "casework_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": "healthz", "status": "2xx"}
    earlier = value(before, count, **labels) if 'route="healthz"' in before else 0
    assert value(text, count, **labels) == earlier + 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_metrics_carry_the_workers_task_durations(scrape, celery_worker, intake):
    from reports import synthetic
    from tests.conftest import media_item, report_document

    document = report_document("m-52", media=[media_item(synthetic.image_bytes(52), "a.jpg")])
    report_id = intake.post(document).json()["id"]
    wait_for(lambda: intake.get(report_id).json()["status"] == "processed", message="processing")
    wait_for(
        lambda: 'task="reports.tasks.process_media"' in scrape(), message="the worker's figures"
    )
    count = "casework_task_duration_seconds_count"
    assert value(scrape(), count, task="reports.tasks.process_media") >= 1


def test_each_processs_figures_are_filed_under_its_host_and_process_id(scrape):
    """Containers sharing the folder can each have a process 7: host and id keep them apart."""
    import os
    import socket
    from pathlib import Path

    Client().get("/healthz")
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    mine = f"{socket.gethostname().replace('_', '-')}-{os.getpid()}.db"
    assert any(path.name.endswith("_" + mine) for path in folder.iterdir())
