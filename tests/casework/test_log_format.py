"""LOG_FORMAT=json: the web side and the worker each write one JSON object a line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.conftest import start_worker

LOG_A_WARNING = (
    "import django; django.setup(); import logging; "
    "logging.getLogger('casework.test').warning('disk %s full', 'evidence')"
)


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_django_logs_json_lines_when_asked():
    env = dict(os.environ, LOG_FORMAT="json", DJANGO_SETTINGS_MODULE="casework.settings")
    ran = subprocess.run(
        [sys.executable, "-c", LOG_A_WARNING], env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    [entry] = [e for e in _json_lines(ran.stderr) if e["logger"] == "casework.test"]
    assert (entry["level"], entry["message"]) == ("WARNING", "disk evidence full")
    assert entry["time"].endswith("+00:00")


def test_an_unknown_log_format_is_refused():
    env = dict(os.environ, LOG_FORMAT="xml", DJANGO_SETTINGS_MODULE="casework.settings")
    ran = subprocess.run(
        [sys.executable, "-c", LOG_A_WARNING], env=env, capture_output=True, text=True
    )
    assert ran.returncode != 0
    assert "LOG_FORMAT must be text or json" in ran.stderr


@pytest.mark.django_db
@pytest.mark.worker
def test_the_worker_logs_json_lines_when_asked():
    path = settings.DATA_DIR / "json-worker.log"
    with open(path, "w") as log:
        worker = start_worker(log, "-Q", "json-log-test", LOG_FORMAT="json")
        try:
            deadline = time.monotonic() + 60
            while "ready" not in path.read_text() and time.monotonic() < deadline:
                assert worker.poll() is None, path.read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    logged = [line for line in path.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in logged]
    assert any(e["message"].endswith("ready.") for e in entries), path.read_text()
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
