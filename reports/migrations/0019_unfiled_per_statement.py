"""A statement that stores reports adds all of them to the filer's work in one insert, not one
per row (a batch of 500 reports is a single INSERT … SELECT)."""

from django.db import migrations

PER_STATEMENT = """
DROP TRIGGER IF EXISTS reports_unfiled_report_stored ON reports_report;

CREATE OR REPLACE FUNCTION reports_unfiled_report_stored() RETURNS trigger AS $$
BEGIN
    INSERT INTO reports_unfiledreport (report_id, ready)
    SELECT id, status <> 'received' FROM stored ORDER BY id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_unfiled_report_stored
    AFTER INSERT ON reports_report REFERENCING NEW TABLE AS stored
    FOR EACH STATEMENT EXECUTE FUNCTION reports_unfiled_report_stored();
"""

# Back to the row trigger of 0018.
PER_ROW = """
DROP TRIGGER IF EXISTS reports_unfiled_report_stored ON reports_report;

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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0018_unfiled_reports"),
    ]

    operations = [migrations.RunSQL(PER_STATEMENT, PER_ROW)]
