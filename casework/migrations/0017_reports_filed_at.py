"""Reports already in a case are filed: the batch filer looks only at reports without
filed_at (reports 0012)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0016_case_autovacuum"),
        ("reports", "0012_report_filed_at"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE reports_report r SET filed_at = cr.added_at"
            " FROM casework_casereport cr WHERE cr.report_id = r.id AND r.filed_at IS NULL",
            migrations.RunSQL.noop,
        )
    ]
