"""Loaded by pytest before Django: the suite gets its own data folder (embedded PostgreSQL,
broker, evidence and development keys), apart from the demo run's."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CASEWORK_DATA_DIR", str(ROOT / "var" / "test"))
os.environ.setdefault("MEDIA_RETRY_BACKOFF_SECONDS", "0")

# The suite is an entry point, as manage.py is: start (or join) the embedded services.
from casework.devrun.services import ensure_started  # noqa: E402

ensure_started()
