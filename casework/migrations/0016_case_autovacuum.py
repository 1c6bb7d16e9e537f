"""Autovacuum for the cases table by dead rows, not by share of the table.

Every claim and decision rewrites a case row, and every closed case leaves a dead entry at
the head of the open-cases index that claim-next walks. PostgreSQL's default waits for dead
rows worth 20 % of the table (200,000 at a million cases): on this machine kind raw claim
throughput fell from 5,458 to 1,635 claims/s within 60 s before autovacuum came at all
(bench/claim_churn.py). Vacuuming every 10,000 dead rows, unthrottled, kept it flat. The
server's autovacuum_naptime (10 s in the embedded run and in compose) decides how soon it
looks.
"""

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
    dependencies = [("casework", "0015_oidc_identity")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE casework_case SET ({CHURN})",
            f"ALTER TABLE casework_case RESET ({RESET})",
        ),
    ]
