"""The filer's work is a narrow table of unfiled reports, kept by PostgreSQL, instead of a
filed_at column on the wide report row: filing each report had locked that row and then
written a whole new version of it (about 2 kB of sealed columns) with 6 index entries, since
filed_at sat in an index's predicate and so could not be updated in place."""

import django.db.models.deletion
from django.db import migrations, models

# Every report gets its row in the statement that stores it, ready if it needs no
# processing; while it waits, its readiness follows its status, in the statement that
# changes the status. A filed report has no row, so nothing puts it back.
TRIGGERS = """
CREATE OR REPLACE FUNCTION reports_unfiled_report_stored() RETURNS trigger AS $$
BEGIN
    INSERT INTO reports_unfiledreport (report_id, ready)
    VALUES (NEW.id, NEW.status <> 'received');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_unfiled_report_stored
    AFTER INSERT ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_unfiled_report_stored();

CREATE OR REPLACE FUNCTION reports_unfiled_report_ready() RETURNS trigger AS $$
BEGIN
    UPDATE reports_unfiledreport SET ready = NEW.status <> 'received' WHERE report_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_unfiled_report_ready
    AFTER UPDATE OF status ON reports_report
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION reports_unfiled_report_ready();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS reports_unfiled_report_stored ON reports_report;
DROP TRIGGER IF EXISTS reports_unfiled_report_ready ON reports_report;
DROP FUNCTION IF EXISTS reports_unfiled_report_stored();
DROP FUNCTION IF EXISTS reports_unfiled_report_ready();
"""

WAITING = """
INSERT INTO reports_unfiledreport (report_id, ready)
SELECT id, status <> 'received' FROM reports_report WHERE filed_at IS NULL
"""

# Going back, a report is filed if it is in no queue; when is not known, so now.
FILED = """
UPDATE reports_report SET filed_at = now()
WHERE id NOT IN (SELECT report_id FROM reports_unfiledreport)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0017_vpdq_segments"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnfiledReport",
            fields=[
                (
                    "report",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="unfiled",
                        serialize=False,
                        to="reports.report",
                    ),
                ),
                (
                    "ready",
                    models.BooleanField(help_text="Its media are processed (or failed for good)"),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="unfiledreport",
            index=models.Index(
                condition=models.Q(("ready", True)), fields=["report"], name="unfiled_ready_idx"
            ),
        ),
        migrations.RunSQL(WAITING, FILED),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RemoveIndex(
            model_name="report",
            name="report_to_file_idx",
        ),
        migrations.RemoveField(
            model_name="report",
            name="filed_at",
        ),
    ]
