"""The batch filer: reports filed a batch at a time, same content in one case whether the
other report is in the batch or already in a case, and nothing filed twice or lost when a
filer fails or is killed mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from PIL import Image

from casework.cases import filer, receivers
from casework.models import AuditEvent, Case, CaseReport
from reports import api, synthetic
from reports.models import Report, UnfiledReport
from tests.casework.test_cases import make_report
from tests.reports.test_matching import make_media

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_batch_groups_exact_and_near_duplicates_into_one_case_each():
    original = synthetic.picture(31)
    near = [
        make_media(original, n=31).report_id,
        make_media(original.transpose(Image.Transpose.ROTATE_90), n=32).report_id,
    ]
    same = [make_report(40 + i, sha256s=["e" * 64]).pk for i in range(3)]
    alone = make_report(50, sha256s=["f" * 64]).pk

    case_of = filer.file_batch()

    assert set(case_of) == {*near, *same, alone}
    assert len({case_of[r].pk for r in near}) == 1
    assert len({case_of[r].pk for r in same}) == 1
    assert len({case_of[r].pk for r in (near[0], same[0], alone)}) == 3
    assert Case.objects.count() == 3
    assert AuditEvent.objects.filter(action="case.opened").count() == 3
    assert AuditEvent.objects.filter(action="case.report_added").count() == 3
    assert not UnfiledReport.objects.exists()
    assert filer.file_batch() == {}


def test_a_batch_joins_the_case_already_covering_its_content():
    report = make_report(1, sha256s=["a" * 64])
    first = filer.file_batch()[report.pk]
    later = [make_report(2, sha256s=["a" * 64]).pk, make_report(3, sha256s=["a" * 64]).pk]
    case_of = filer.file_batch()
    assert {case_of[r].pk for r in later} == {first.pk}
    first.refresh_from_db()
    assert first.priority_reasons[-1] == {"kind": "reports", "count": 3}


def test_a_report_still_being_processed_waits():
    waiting = make_report(1, sha256s=["a" * 64])
    Report.objects.filter(pk=waiting.pk).update(status="received")
    assert filer.file_batch() == {}
    Report.objects.filter(pk=waiting.pk).update(status="processed")
    assert set(filer.file_batch()) == {waiting.pk}


def test_batches_are_at_most_the_limit_and_the_loop_files_all():
    ids = [make_report(i, sha256s=[f"{i:064x}"]).pk for i in range(7)]
    assert len(filer.file_batch(limit=3)) == 3
    assert filer.file_waiting_reports(batch_size=3) == 4
    assert set(CaseReport.objects.values_list("report_id", flat=True)) == set(ids)


def test_a_filer_failing_mid_batch_files_nothing_and_the_next_files_each_once(monkeypatch):
    ids = [make_report(i, sha256s=["a" * 64 if i % 2 else "b" * 64]).pk for i in range(6)]

    def crash(report_ids):
        raise RuntimeError("the filer failed after opening the cases")

    monkeypatch.setattr("reports.api.mark_filed", crash)
    with pytest.raises(RuntimeError):
        filer.file_batch()
    assert not Case.objects.exists() and not CaseReport.objects.exists()
    monkeypatch.undo()

    filer.file_batch()
    assert sorted(CaseReport.objects.values_list("report_id", flat=True)) == sorted(ids)
    assert Case.objects.count() == 2


KILLED_FILER = """
import time, django
django.setup()
from reports import api
from casework.cases import filer

def stall(report_ids):
    print("holding", len(report_ids), flush=True)
    time.sleep(120)

api.mark_filed = stall
filer.file_waiting_reports()
"""


@pytest.mark.django_db(transaction=True)
def test_a_filer_killed_mid_batch_loses_nothing_and_files_nothing_twice():
    ids = [make_report(i, sha256s=[f"{i % 4:064x}"]).pk for i in range(20)]
    url = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    env = dict(os.environ, DATABASE_URL=urlunsplit(url), DEBUG="true")
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_FILER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert killed.stdout.readline().strip() == "holding 20"
        with transaction.atomic():
            assert api.claim_reports_to_file(100) == []  # locked by the stalled filer
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()

    assert filer.file_waiting_reports() == 20
    assert sorted(CaseReport.objects.values_list("report_id", flat=True)) == ids
    assert Case.objects.count() == 4
    assert AuditEvent.objects.filter(action="case.opened").count() == 4


def test_wake_ups_are_one_now_and_one_at_the_end_of_the_interval(monkeypatch):
    sent: list[float] = []
    monkeypatch.setattr(receivers, "_send_wake", lambda: sent.append(time.monotonic()))
    monkeypatch.setattr(receivers, "_last_wake", 0.0)
    for _ in range(100):
        receivers.wake_filer()
    assert len(sent) == 1
    deadline = time.monotonic() + 5
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(receivers.WAKE_INTERVAL)
    assert len(sent) == 2
    assert sent[1] - sent[0] >= receivers.WAKE_INTERVAL * 0.9


def test_the_database_keeps_the_filers_work_as_reports_are_stored_processed_and_filed():
    waiting = make_report(1, sha256s=["a" * 64])
    Report.objects.filter(pk=waiting.pk).update(status="received")
    assert UnfiledReport.objects.get(report=waiting).ready is False
    Report.objects.filter(pk=waiting.pk).update(status="processed")
    assert UnfiledReport.objects.get(report=waiting).ready is True

    filer.file_batch()
    assert not UnfiledReport.objects.filter(report=waiting).exists()
    Report.objects.filter(pk=waiting.pk).update(status="failed")  # a filed report stays filed
    assert not UnfiledReport.objects.filter(report=waiting).exists()
    assert filer.file_batch() == {}
