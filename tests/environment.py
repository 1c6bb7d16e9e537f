"""Loaded by pytest before Django: the suite gets its own data folder (embedded PostgreSQL,
broker, evidence and development keys), apart from the demo run's."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CASEWORK_DATA_DIR", str(ROOT / "var" / "test"))
os.environ.setdefault("MEDIA_RETRY_BACKOFF_SECONDS", "0")
# Approvals escalate: the suite's reporter, and a hotline root nothing listens on unless a
# test starts a sandbox there (no test reaches NCMEC).
os.environ.setdefault("NCMEC_BASE_URL", "http://127.0.0.1:9/ispws")
os.environ.setdefault("NCMEC_USERNAME", "casework-test")
os.environ.setdefault("NCMEC_PASSWORD", "sandbox-test-secret")
os.environ.setdefault("NCMEC_REPORTER_EMAIL", "trust-safety@example.invalid")
os.environ.setdefault("NCMEC_REPORTER_FIRST_NAME", "Test")
os.environ.setdefault("NCMEC_REPORTER_LAST_NAME", "Lead")
os.environ.setdefault("ESCALATION_RETRY_BASE_SECONDS", "3600")

# The suite is an entry point, as manage.py is: start (or join) the embedded services.
from casework.devrun.services import ensure_started  # noqa: E402

ensure_started()
