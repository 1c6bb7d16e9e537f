"""The CyberTipline sandbox keeps NCMEC's protocol: what it answers to bad credentials, bad
documents, unknown ids and reports in the wrong state, how it forgets unfinished reports, and
its injected timeouts, over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings
from lxml import etree

from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.client import CyberTiplineClient
from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox

SAMPLES = Path(__file__).resolve().parent / "data" / "ncmec"
AUTH = ("casework", "sandbox")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock):
    server = CyberTiplineSandbox(hang_seconds=1.5, clock=clock).start()
    yield server
    server.stop()


def code_of(response: requests.Response) -> int:
    return int(etree.fromstring(response.content).findtext("responseCode"))


def post(sandbox, step: str, **kwargs) -> requests.Response:
    return requests.post(f"{sandbox.url}/{step}", auth=AUTH, timeout=10, **kwargs)


def submit(sandbox) -> str:
    body = (SAMPLES / "report-minimal.xml").read_bytes()
    response = post(sandbox, "submit", data=body, headers={"Content-Type": "text/xml"})
    assert code_of(response) == 0, response.text
    return etree.fromstring(response.content).findtext("reportId")


def upload(sandbox, report_id: str, data: bytes = b"synthetic bytes") -> requests.Response:
    return post(sandbox, "upload", data={"id": report_id}, files={"file": ("a.png", data)})


def test_without_the_right_credentials_every_path_is_401_with_code_1000(sandbox):
    for auth in (None, ("casework", "wrong")):
        response = requests.get(f"{sandbox.url}/status", auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
        assert code_of(response) == 1000
    answer = CyberTiplineClient(sandbox.url, "casework", "wrong").status()
    assert answer.outcome == "credentials"
    assert CyberTiplineClient(sandbox.url, *AUTH).status().outcome == "ok"


def test_wrong_paths_and_methods_are_refused(sandbox):
    assert requests.get(f"{sandbox.url}/nothing", auth=AUTH, timeout=10).status_code == 404
    assert requests.get(f"{sandbox.url}/submit", auth=AUTH, timeout=10).status_code == 405
    assert post(sandbox, "status").status_code == 405


def test_it_serves_the_schema_it_validates_with(sandbox):
    response = requests.get(f"{sandbox.url}/xsd", auth=AUTH, timeout=10)
    assert response.status_code == 200
    etree.XMLSchema(etree.fromstring(response.content))  # raises unless it is a schema
    assert response.content == schema.SCHEMA_PATH.read_bytes()


def test_documents_are_validated_with_the_validators_message(sandbox):
    malformed = post(sandbox, "submit", data=b"<report><unclosed>")
    assert code_of(malformed) == 4110
    invalid = post(sandbox, "submit", data=b"<report><reporter/></report>")
    assert code_of(invalid) == 4100
    assert "line 1" in invalid.text and "reporter" in invalid.text
    details = post(sandbox, "fileinfo", data=b"<fileDetails><reportId>1</reportId></fileDetails>")
    assert code_of(details) == 4100
    assert sandbox.reports == {}


def test_unknown_reports_and_files_and_closed_reports_get_ncmec_codes(sandbox):
    assert code_of(upload(sandbox, "999")) == 5001
    report_id = submit(sandbox)
    details = (SAMPLES / "filedetails-typical.xml").read_text()
    details = details.replace("<reportId>4564654</reportId>", f"<reportId>{report_id}</reportId>")
    assert code_of(post(sandbox, "fileinfo", data=details.encode())) == 5002  # no such file

    uploaded = etree.fromstring(upload(sandbox, report_id).content)
    file_id = uploaded.findtext("fileId")
    details = details.replace("b0754af766b426f2928a02c651ed4b99", file_id)
    assert code_of(post(sandbox, "fileinfo", data=details.encode())) == 0

    done = post(sandbox, "finish", data={"id": report_id})
    assert [f.text for f in etree.fromstring(done.content).iterfind("files/fileId")] == [file_id]
    assert code_of(post(sandbox, "finish", data={"id": report_id})) == 5102
    assert code_of(post(sandbox, "retract", data={"id": report_id})) == 5102
    assert code_of(upload(sandbox, report_id)) == 5102

    other = submit(sandbox)
    assert code_of(post(sandbox, "retract", data={"id": other})) == 0
    assert code_of(post(sandbox, "finish", data={"id": other})) == 5101
    states = {r["id"]: r["state"] for r in sandbox.summary()["reports"]}
    assert states == {int(report_id): "finished", int(other): "retracted"}


def test_unfinished_reports_are_deleted_an_hour_after_the_last_change(sandbox, clock):
    idle = submit(sandbox)
    busy = submit(sandbox)
    for _ in range(5):
        clock.now += 50 * 60
        assert code_of(upload(sandbox, busy)) == 0  # each change keeps it another hour
    assert code_of(upload(sandbox, idle)) == 5001
    assert sandbox.summary()["expired"] == [int(idle)]
    clock.now += 20 * 3600  # 24 h after opening, however busy
    assert code_of(upload(sandbox, busy)) == 5001


def test_finished_reports_are_kept(sandbox, clock):
    report_id = submit(sandbox)
    upload(sandbox, report_id)
    post(sandbox, "finish", data={"id": report_id})
    clock.now += 48 * 3600
    assert [r.id for r in sandbox.finished()] == [int(report_id)]


def test_a_timeout_leaves_the_client_in_doubt_and_sometimes_with_an_orphan(sandbox):
    client = CyberTiplineClient(sandbox.url, *AUTH, timeout=0.5)
    body = (SAMPLES / "report-minimal.xml").read_text()

    sandbox.set_faults("submit=timeout@once")
    lost = client.submit(body)
    assert (lost.outcome, lost.maybe_delivered) == ("retry", True)
    assert sandbox.reports == {}  # held unprocessed

    sandbox.set_faults("submit=timeout-after@once")
    lost = client.submit(body)
    assert (lost.outcome, lost.maybe_delivered) == ("retry", True)
    assert [r["state"] for r in sandbox.summary()["reports"]] == ["open"]  # an orphan


def test_the_reports_are_listed_as_json_outside_the_protocol_root(sandbox):
    report_id = submit(sandbox)
    upload(sandbox, report_id, b"x" * 10)
    root = sandbox.url.removesuffix("/ispws")
    listing = requests.get(f"{root}/_sandbox/reports", timeout=10).json()
    [report] = listing["reports"]
    assert (report["id"], report["state"]) == (int(report_id), "open")
    assert [(f["size"], f["details"]) for f in report["files"]] == [(10, False)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_command_serves_in_the_foreground_with_its_faults():
    port = free_port()
    command = [sys.executable, "manage.py", "hotline_sandbox", "ncmec", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--faults", "status=503@once", "--username", "u", "--password", "p"],
        cwd=settings.BASE_DIR,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/ispws" in line
        status = f"http://127.0.0.1:{port}/ispws/status"
        assert requests.get(status, auth=("u", "p"), timeout=10).status_code == 503
        assert code_of(requests.get(status, auth=("u", "p"), timeout=10)) == 0
    finally:
        process.terminate()
        process.wait(timeout=10)

    refused = subprocess.run(
        [*command, "--faults", "submit=explode"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "bad fault 'submit=explode'" in refused.stderr
