"""What sealing personal data costs: the CPU to seal one report's personal fields and take
its digests as intake does, and to open a case page's worth of reports (20), measured on the
fields of a typical report. Prints JSON.

    .venv/bin/python bench/field_sealing.py [--rounds 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from bench import common  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.sealed_fields import DigestField, SealedField  # noqa: E402

UPLOADER = {
    "id": "acct-123456",
    "screen_name": "someone_123",
    "email": "someone.123@example.org",
    "ip_events": [
        {"ip": "203.0.113.7", "type": "upload", "at": "2026-11-01T11:00:00Z"},
        {"ip": "2001:db8::7", "type": "login", "at": "2026-11-01T10:00:00Z"},
    ],
}
VALUES = {
    "external_id": "ur-123456",
    "description": "Reported by a user from the photo feed; account flagged twice before.",
    "content": {"id": "post-1", "url": "https://p1.example.org/p/123456"},
    "uploader": UPLOADER,
    "reporter": {"id": "r-99", "kind": "user"},
    "victim": {},
}
VALUES["raw_payload"] = {**VALUES, "source": "user_report", "reason": "csam"}


def timed(rounds: int, work) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    rounds = parser.parse_args().rounds
    fields = {f.name: f for f in Report._meta.concrete_fields}
    sealed = [fields[name] for name in VALUES]
    digests = [f for f in fields.values() if isinstance(f, DigestField)]
    assert all(isinstance(f, SealedField) for f in sealed)
    row = Report(**VALUES)
    connection = django.db.connection

    def seal_report() -> list:
        blobs = [f.get_db_prep_value(VALUES[f.name], connection) for f in sealed]
        return blobs + [d.pre_save(row, add=True) for d in digests]

    blobs = [bytes(b.obj) for b in seal_report()[: len(sealed)]]  # as the driver returns them

    def open_case_page() -> None:
        for _ in range(20):
            for f, blob in zip(sealed, blobs, strict=True):
                f.from_db_value(blob, None, connection)

    seal = timed(rounds, seal_report)
    opened = timed(max(1, rounds // 20), open_case_page)
    us = lambda values: {k: round(v * 1e6, 1) for k, v in common.spread(values, 9).items()}  # noqa: E731
    print(
        json.dumps(
            {
                "machine": common.machine(),
                "fields_sealed_per_report": len(sealed),
                "digests_per_report": len(digests),
                "seal_one_report_us": us(seal),
                "open_20_reports_us": us(opened),
                "sealed_bytes_per_report": sum(len(b) for b in blobs),
                "plain_bytes_per_report": sum(len(f.to_bytes(VALUES[f.name])) for f in sealed),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
