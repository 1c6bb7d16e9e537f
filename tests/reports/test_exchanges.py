"""Hash exchanges fetched with python-threatexchange's clients from local sandboxes of the
NCMEC hash sharing and StopNCII APIs: paging, incremental runs, resuming after a failure or a
killed process, bad credentials. Synthetic hashes only (the sandboxes' random hex)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from casework import roles
from casework.models import AuditEvent
from reports.exchanges import fetching, tasks
from reports.exchanges.models import Exchange
from reports.exchanges.sandbox_base import Fault
from reports.exchanges.sandbox_ncmec import NCMECHashSandbox
from reports.exchanges.sandbox_stopncii import StopNCIISandbox
from reports.exchanges.sandbox_threatexchange import ThreatExchangeSandbox
from reports.models import HashEntry, HashList
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ncmec(monkeypatch):
    sandbox = NCMECHashSandbox(pages=3, page_size=10).start()
    monkeypatch.setenv("EXCHANGE_NCMEC_GENAI_USER", "casework")
    monkeypatch.setenv("EXCHANGE_NCMEC_GENAI_PASSWORD", "sandbox")
    monkeypatch.setenv("EXCHANGE_NCMEC_GENAI_URL", sandbox.url)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def stopncii(monkeypatch):
    sandbox = StopNCIISandbox(pages=3, page_size=10).start()
    monkeypatch.setenv("EXCHANGE_STOPNCII_KEY", "sandbox-subscription")
    monkeypatch.setenv("EXCHANGE_STOPNCII_TOKEN", "sandbox-fetch")
    monkeypatch.setenv("EXCHANGE_STOPNCII_URL", sandbox.url)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def threatexchange(monkeypatch):
    sandbox = ThreatExchangeSandbox(pages=3, page_size=10).start()
    monkeypatch.setenv("EXCHANGE_TE_TOKEN", sandbox.token)
    monkeypatch.setenv("EXCHANGE_TE_URL", sandbox.url)
    yield sandbox
    sandbox.stop()


def make_exchange(name: str, kind: str, **fields) -> Exchange:
    hash_list = HashList.objects.create(name=f"{name}-list", source="ncmec")
    return Exchange.objects.create(name=name, kind=kind, hash_list=hash_list, **fields)


def held(exchange: Exchange) -> set[tuple[str, str]]:
    return set(exchange.hash_list.entries.values_list("kind", "value"))


def entry_starts(sandbox) -> list[int]:
    """The paging offsets of the entries requests answered, in order."""
    return [
        int(query.get("start") or query.get("nextPageToken") or query.get("after") or 0)
        for path, query, status in sandbox.calls
        if path.endswith(("/entries", "/FetchHashes", "/threat_updates/")) and status == 200
    ]


def test_ncmec_fetch_pages_into_the_list_and_is_audited(ncmec):
    exchange = make_exchange("ncmec-genai", "ncmec", environment="NGO_Generative_AI")
    result = fetching.fetch(exchange)
    assert result.error == ""
    assert (result.records, result.pages) == (30, 3)
    assert held(exchange) == ncmec.hashes()
    assert result.added == len(ncmec.hashes())
    assert {10, 20} <= set(entry_starts(ncmec))  # it followed <paging><next>
    entry = HashEntry.objects.get(value=ncmec.entries[0].fingerprints(0)["md5"])
    assert (entry.category, entry.source_id) == ("A1", "9001-sandbox-0")
    exchange.refresh_from_db()
    assert (exchange.state, exchange.fetched_count, exchange.pages_count) == ("idle", 30, 3)
    assert exchange.checkpoint["paging_info"] is None and exchange.last_page_at
    event = AuditEvent.objects.get(action="exchange.fetched")
    assert event.target == f"exchange:{exchange.pk}"
    assert (event.data["records"], event.data["pages"], event.data["error"]) == (30, 3, "")


def test_ncmec_second_run_fetches_only_what_is_new(ncmec):
    exchange = make_exchange("ncmec-genai", "ncmec")
    fetching.fetch(exchange)
    exchange.refresh_from_db()
    since = exchange.checkpoint["get_entries_max_ts"]
    new = ncmec.add(5, at=since)
    time.sleep(1.1)  # the client asks up to five seconds before its own clock
    result = fetching.fetch(exchange)
    assert (result.records, result.error) == (5, "")
    new_hashes = {(k, v) for e in new for k, v in e.fingerprints(0).items()}
    assert result.added == len(new_hashes)
    assert held(exchange) == ncmec.hashes()
    exchange.refresh_from_db()
    ncmec.delete(0, at=exchange.checkpoint["get_entries_max_ts"])
    time.sleep(1.1)
    result = fetching.fetch(exchange)
    assert (result.records, result.removed) == (1, 2)  # the tombstone takes md5 and pdq off
    assert held(exchange) == ncmec.hashes()


def test_ncmec_failure_mid_fetch_resumes_from_the_last_page(ncmec):
    exchange = make_exchange("ncmec-genai", "ncmec")
    ncmec.inject(Fault(page=3, status=400))
    result = fetching.fetch(exchange)
    assert "400" in result.error and result.pages == 2
    exchange.refresh_from_db()
    assert exchange.state == "failed" and "400" in exchange.last_error
    assert exchange.checkpoint["paging_info"]["paging_url"].endswith("&start=20&size=10&max=30")
    assert len(exchange.hash_list.entries.values("source_id").distinct()) == 20
    ncmec.calls.clear()
    result = fetching.fetch(exchange)
    assert (result.records, result.error) == (10, "")
    assert entry_starts(ncmec)[0] == 20  # resumed mid-range, from the saved paging URL
    assert held(exchange) == ncmec.hashes()
    exchange.refresh_from_db()
    assert (exchange.state, exchange.last_error, exchange.fetched_count) == ("idle", "", 30)


def test_bad_credentials_are_shown_on_the_exchange_and_import_nothing(ncmec, monkeypatch):
    monkeypatch.setenv("EXCHANGE_NCMEC_GENAI_PASSWORD", "wrong")
    exchange = make_exchange("ncmec-genai", "ncmec")
    result = fetching.fetch(exchange)
    assert "401" in result.error
    exchange.refresh_from_db()
    assert exchange.state == "failed" and "401" in exchange.last_error
    assert exchange.checkpoint is None and exchange.fetched_count == 0
    assert not exchange.hash_list.entries.exists()
    assert "401" in AuditEvent.objects.get(action="exchange.fetched").data["error"]


def test_missing_credentials_name_the_variable(ncmec, monkeypatch):
    monkeypatch.delenv("EXCHANGE_NCMEC_GENAI_USER")
    exchange = make_exchange("ncmec-genai", "ncmec")
    assert "EXCHANGE_NCMEC_GENAI_USER is not set" in fetching.fetch(exchange).error


def test_stopncii_pages_resume_and_increments(stopncii):
    exchange = make_exchange("stopncii", "stopncii")
    stopncii.inject(Fault(page=2, status=403))
    result = fetching.fetch(exchange)
    assert "403" in result.error and result.pages == 1
    assert exchange.hash_list.entries.count() == 10
    result = fetching.fetch(exchange)
    assert result.error == "" and result.pages == 3  # from page 1's nextSetTimestamp on
    assert held(exchange) == stopncii.hashes() and len(held(exchange)) == 30
    stopncii.add(5)
    result = fetching.fetch(exchange)
    # From the last record's timestamp on: that record again (an upsert), and the new five.
    assert (result.records, result.added) == (6, 5)
    assert held(exchange) == stopncii.hashes()


def test_the_command_and_the_beat(ncmec, monkeypatch):
    exchange = make_exchange("ncmec-genai", "ncmec")
    make_exchange("off", "ncmec", enabled=False)
    out = io.StringIO()
    call_command("fetch_exchange", "ncmec-genai", stdout=out)
    assert "30 records in 3 pages" in out.getvalue()
    queued = []
    monkeypatch.setattr(tasks.fetch_exchange, "delay", queued.append)
    assert tasks.fetch_enabled_exchanges() == 1 and queued == [exchange.pk]
    entry = settings.CELERY_BEAT_SCHEDULE["fetch-enabled-exchanges"]
    assert entry["task"] == "reports.exchanges.tasks.fetch_enabled_exchanges"
    assert entry["schedule"] == 60.0 * settings.EXCHANGE_FETCH_MINUTES


def test_the_admin_page_shows_progress_and_fetches_now(ncmec, monkeypatch):
    admin_client = signed_in(make_user("u-admin", roles.ADMIN))
    exchange = make_exchange("ncmec-genai", "ncmec")
    ncmec.inject(Fault(page=2, status=400))
    fetching.fetch(exchange)
    page = admin_client.get(f"/admin/reports/exchange/{exchange.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "400 Client Error" in text and "EXCHANGE_NCMEC_GENAI_PASSWORD set" in text
    assert "sandbox" not in text.split("Credentials")[-1].split("</div>")[0]  # never the value
    listing = admin_client.get("/admin/reports/exchange/").content.decode()
    assert "400 Client Error" in listing and "Failed" in listing
    queued = []
    monkeypatch.setattr(tasks.fetch_exchange, "delay", queued.append)
    with django_capture_on_commit():
        admin_client.post(
            "/admin/reports/exchange/",
            {"action": "fetch_now", "_selected_action": [exchange.pk]},
        )
    assert queued == [exchange.pk]


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.mark.django_db(transaction=True)
def test_a_killed_fetch_resumes_with_nothing_lost_or_twice(ncmec, tmp_path):
    log = (tmp_path / "fetch.log").open("w")
    exchange = make_exchange("ncmec-genai", "ncmec")
    arrived, release = ncmec.hold(page=3)
    url = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fetch_exchange", "ncmec-genai"],
        cwd=settings.BASE_DIR,
        env=dict(
            os.environ,
            DATABASE_URL=urlunsplit(url),
            DEBUG="true",
            AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit-checkpoints"),
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert arrived.wait(60), (tmp_path / "fetch.log").read_text()
        process.kill()  # SIGKILL mid-fetch: pages 1 and 2 committed, page 3 never answered
        process.wait(10)
    finally:
        release.set()
        process.kill()
    exchange.refresh_from_db()
    assert exchange.pages_count == 2 and exchange.fetched_count == 20
    assert exchange.state == "fetching"  # as the dead process left it
    result = fetching.fetch(exchange)
    assert (result.records, result.pages, result.error) == (10, 1, "")
    assert held(exchange) == ncmec.hashes()
    exchange.refresh_from_db()
    assert (exchange.state, exchange.fetched_count) == ("idle", 30)


def test_a_page_that_fails_to_store_leaves_nothing_of_itself(ncmec, monkeypatch):
    exchange = make_exchange("ncmec-genai", "ncmec")
    stored = fetching.upsert
    pages = []

    def upsert_then_fail_on_page_two(exchange, page):
        counts = stored(exchange, page)  # the rows are written, then the page fails
        pages.append(page)
        if len(pages) == 2:
            raise RuntimeError("disk full")
        return counts

    monkeypatch.setattr(fetching, "upsert", upsert_then_fail_on_page_two)
    result = fetching.fetch(exchange)
    assert result.error == "RuntimeError: disk full" and result.pages == 1
    assert exchange.hash_list.entries.values("source_id").distinct().count() == 10
    exchange.refresh_from_db()
    assert exchange.checkpoint["paging_info"]["paging_url"].endswith("&start=10&size=10&max=30")
    monkeypatch.setattr(fetching, "upsert", stored)
    assert fetching.fetch(exchange).records == 20
    assert held(exchange) == ncmec.hashes()


def test_the_task_and_a_bad_environment(ncmec):
    exchange = make_exchange("ncmec-genai", "ncmec", environment="Moon")
    with pytest.raises(ValidationError, match="environment"):
        exchange.full_clean()
    assert "Moon" in tasks.fetch_exchange(exchange.pk)["error"]
    Exchange.objects.filter(pk=exchange.pk).update(environment="test_NGO_Generative_AI")
    assert tasks.fetch_exchange(exchange.pk)["records"] == 30
    assert tasks.fetch_exchange(exchange.pk + 1000) is None


def test_the_sandbox_command_serves_a_fetch(monkeypatch, tmp_path):
    command = [sys.executable, "manage.py", "exchange_sandbox", "stopncii", "--port", "0"]
    env = dict(os.environ, DEBUG="true", AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit"))
    process = subprocess.Popen(
        [*command, "--pages", "4", "--page-size", "5"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert "(4 pages of 5)" in banner, banner
        monkeypatch.setenv("EXCHANGE_STOPNCII_KEY", "sandbox-subscription")
        monkeypatch.setenv("EXCHANGE_STOPNCII_TOKEN", "sandbox-fetch")
        monkeypatch.setenv("EXCHANGE_STOPNCII_URL", banner.split(" at ")[1].split()[0])
        exchange = make_exchange("stopncii", "stopncii")
        result = fetching.fetch(exchange)
        assert (result.records, result.pages, result.error) == (20, 4, "")
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_fetches_with_credentials_from_its_environment(ncmec, tmp_path):
    from tests.conftest import start_worker

    exchange = make_exchange("ncmec-genai", "ncmec")
    log_path = tmp_path / "worker.log"
    queue = "exchanges-test"  # its own queue: the suite's worker lacks these credentials
    worker = start_worker(
        log_path.open("w"),
        "-Q",
        queue,
        EXCHANGE_NCMEC_GENAI_USER="casework",
        EXCHANGE_NCMEC_GENAI_PASSWORD="sandbox",
        EXCHANGE_NCMEC_GENAI_URL=ncmec.url,
    )
    try:
        tasks.fetch_exchange.apply_async([exchange.pk], queue=queue)
        deadline = time.monotonic() + 60
        while exchange.last_fetch_at is None:
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
            exchange.refresh_from_db()
    finally:
        worker.terminate()
        worker.wait(20)
    assert (exchange.state, exchange.fetched_count, exchange.last_error) == ("idle", 30, "")
    assert held(exchange) == ncmec.hashes()
    event = AuditEvent.objects.get(action="exchange.fetched")
    assert (event.actor, event.data["added"]) == ("system:worker", len(ncmec.hashes()))


def test_threatexchange_pages_resume_deletions_and_bad_token(threatexchange, monkeypatch):
    exchange = make_exchange("te", "threatexchange", environment="303")
    threatexchange.inject(Fault(page=3, status=500))
    result = fetching.fetch(exchange)
    assert "500" in result.error and result.pages == 2
    assert exchange.hash_list.entries.count() == 20
    threatexchange.calls.clear()
    result = fetching.fetch(exchange)
    assert result.error == "" and held(exchange) == threatexchange.hashes()
    assert len(held(exchange)) == 30
    # From page 2's highest last_updated on: that one update again (an upsert), and page 3.
    assert threatexchange.calls[0][1]["start_time"] == str(threatexchange.updates[19].timestamp)
    threatexchange.delete(0)
    threatexchange.add(3)
    result = fetching.fetch(exchange)
    assert (result.removed, result.error) == (1, "")
    assert held(exchange) == threatexchange.hashes() and len(held(exchange)) == 32
    monkeypatch.setenv("EXCHANGE_TE_TOKEN", "1234567890|wrong-secret-0000000000000")
    result = fetching.fetch(exchange)
    assert "400" in result.error and result.records == 0
    exchange.refresh_from_db()
    assert exchange.state == "failed" and "400" in exchange.last_error
