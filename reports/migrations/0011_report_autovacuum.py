"""Autovacuum for reports and media by dead rows, as for cases (casework 0016): each report
and media row is rewritten as the worker processes it, at intake's rate."""

from django.db import migrations

CHURN = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,"
    " autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0.02"
)
RESET = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,"
    " autovacuum_vacuum_cost_delay, autovacuum_analyze_scale_factor"
)


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_sealed_personal_fields")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {table} SET ({CHURN})", f"ALTER TABLE {table} RESET ({RESET})"
        )
        for table in ("reports_report", "reports_media")
    ]
