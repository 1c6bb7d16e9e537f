"""A real Celery worker meets files that are too much for it: one over its memory cap fails
cleanly, one that kills its worker ends failed after MAX_ATTEMPTS deliveries, and one whose
worker is SIGKILLed mid-way is processed again within seconds."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from PIL import PngImagePlugin

from reports import synthetic, tasks
from reports.models import Media
from tests.conftest import media_item, report_document, start_worker, wait_for
from tests.reports import hostile_files
from tests.reports.dying_worker import HOLD_MARK, KILL_MARK

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
QUEUE = "media-failure-test"


@pytest.fixture
def media_queue(settings):
    settings.MEDIA_QUEUE = QUEUE
    return QUEUE


def png_marked(mark: bytes, seed: int) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", mark.decode())
    out = io.BytesIO()
    synthetic.picture(seed, (320, 240)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children, as a host losing the process would."""
    pool = children(worker.pid)
    worker.kill()
    for pid in pool:
        with contextlib.suppress(ProcessLookupError):  # it may have gone with its parent
            os.kill(pid, signal.SIGKILL)
    worker.wait(10)


def worker(name: str, *options: str, **env: str) -> subprocess.Popen:
    log = open(settings.DATA_DIR / f"{name}.log", "w")  # noqa: SIM115 (the child keeps it)
    process = start_worker(
        log,
        f"--queues={QUEUE}",
        *options,
        MEDIA_QUEUE=QUEUE,
        DYING_WORKER_NOTES=str(settings.DATA_DIR / f"{name}.notes"),
        **env,
    )
    (settings.DATA_DIR / f"{name}.notes").write_text("")
    return process


def post(intake, external_id: str, data: bytes, filename: str) -> int:
    response = intake.post(report_document(external_id, media=[media_item(data, filename)]))
    assert response.status_code == 201, response.content
    return Media.objects.get(report_id=response.json()["id"]).pk


def test_a_file_over_the_worker_memory_cap_fails_and_the_worker_goes_on(intake, media_queue):
    process = worker(
        "memory-cap",
        "--pool=prefork",
        "--concurrency=1",
        WORKER_MEMORY_LIMIT_MB="500",  # idle child: 280 MB of address space
    )
    try:
        big = post(intake, "big", hostile_files.big_png(mode="RGB"), "big.png")
        wait_for(lambda: Media.objects.get(pk=big).status != "pending", timeout=60, message="big")
        small = post(intake, "small", synthetic.image_bytes(41), "small.jpg")
        wait_for(
            lambda: Media.objects.get(pk=small).status != "pending", timeout=60, message="small"
        )
        assert process.poll() is None  # the worker lives on
    finally:
        process.terminate()
        process.wait(30)
    failed = Media.objects.get(pk=big)
    assert failed.status == "failed"
    assert "MemoryError" in failed.error and "500 MB" in failed.error
    assert failed.attempts == 1  # the same file would need the same memory again
    assert Media.objects.get(pk=small).status == "processed"


def test_a_file_that_kills_its_worker_fails_after_max_attempts(intake, media_queue):
    process = worker(
        "dying",
        "--pool=prefork",
        "--concurrency=1",
        "--include=tests.reports.dying_worker",
        MEDIA_LEASE_SECONDS="2",
    )
    try:
        media_id = post(intake, "deadly", png_marked(KILL_MARK, 42), "deadly.png")
        wait_for(
            lambda: Media.objects.get(pk=media_id).status != "pending",
            timeout=90,
            message="the deadly file to fail",
        )
    finally:
        process.terminate()
        process.wait(30)
    media = Media.objects.get(pk=media_id)
    assert media.status == "failed"
    assert media.attempts == tasks.MAX_ATTEMPTS == 5
    assert "gave up after 5 attempts" in media.error
    assert media.report.status == "failed"
    deaths = (settings.DATA_DIR / "dying.notes").read_text().split("\n")
    assert [line.split()[0] for line in deaths if line] == ["killed"] * 5


def test_media_of_a_killed_worker_is_processed_again_within_seconds(intake, media_queue):
    first = worker("held", "--include=tests.reports.dying_worker", MEDIA_LEASE_SECONDS="3")
    replacement = None
    try:
        media_id = post(intake, "held", png_marked(HOLD_MARK, 43), "held.png")
        notes = settings.DATA_DIR / "held.notes"
        wait_for(lambda: "holding" in notes.read_text(), timeout=60, message="processing")
        kill(first)
        killed_at = time.monotonic()
        replacement = worker("replacement", MEDIA_LEASE_SECONDS="3")

        def processed() -> bool:
            tasks.requeue_expired_media()  # what beat runs every MEDIA_SWEEP_SECONDS
            return Media.objects.get(pk=media_id).status == "processed"

        wait_for(processed, timeout=30, message="the killed worker's media to be processed")
        recovery = time.monotonic() - killed_at
    finally:
        for process in (first, replacement):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(30)
    print(f"recovered {recovery:.1f} s after the worker was killed")
    media = Media.objects.get(pk=media_id)
    assert media.attempts == 2  # the killed attempt counted
    assert recovery < 20  # the broker alone would wait CELERY_VISIBILITY_TIMEOUT (600 s)


def test_beat_sweeps_for_expired_leases_every_few_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-expired-media"]
    assert entry["task"] == "reports.tasks.requeue_expired_media"
    assert entry["schedule"] == settings.MEDIA_SWEEP_SECONDS == 5
    assert settings.MEDIA_LEASE_SECONDS == 15
