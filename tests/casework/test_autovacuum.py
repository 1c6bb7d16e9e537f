"""The tables claims and processing rewrite are vacuumed by dead rows, often enough that
claim-next does not slow down as closed cases pile up (bench/claim_churn.py)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("table", ["casework_case", "reports_report", "reports_media"])
def test_churning_tables_are_vacuumed_every_ten_thousand_dead_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=10000"} <= options


def test_the_embedded_server_looks_for_work_every_ten_seconds():
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum_naptime")
        assert cursor.fetchone()[0] == "10s"
