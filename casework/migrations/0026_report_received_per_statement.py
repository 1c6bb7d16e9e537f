"""`report.received` is written once per statement that stores reports, for all its rows
together, instead of once per row: a batch of 500 reports is one INSERT … SELECT, and a row
trigger would have run 500 queries of its own inside it."""

from django.db import migrations

RECORD = """
DROP TRIGGER IF EXISTS casework_audit_report_received ON reports_report;

CREATE OR REPLACE FUNCTION casework_audit_report_received() RETURNS trigger AS $$
BEGIN
    INSERT INTO casework_auditevent (at, actor, actor_user_id, action, target, data)
    SELECT statement_timestamp(), 'platform:' || p.name, NULL, 'report.received',
           'report:' || stored.id,
           jsonb_build_object('source', stored.source, 'reason', stored.reason)  -- no personal data
    FROM stored JOIN reports_platform p ON p.id = stored.platform_id
    ORDER BY stored.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_audit_report_received
    AFTER INSERT ON reports_report REFERENCING NEW TABLE AS stored
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_report_received();
"""

# Back to the row trigger of 0025.
PER_ROW = """
DROP TRIGGER IF EXISTS casework_audit_report_received ON reports_report;

CREATE OR REPLACE FUNCTION casework_audit_report_received() RETURNS trigger AS $$
BEGIN
    INSERT INTO casework_auditevent (at, actor, actor_user_id, action, target, data)
    SELECT statement_timestamp(), 'platform:' || p.name, NULL, 'report.received',
           'report:' || NEW.id,
           jsonb_build_object('source', NEW.source, 'reason', NEW.reason)  -- no personal data
    FROM reports_platform p WHERE p.id = NEW.platform_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_audit_report_received
    AFTER INSERT ON reports_report
    FOR EACH ROW EXECUTE FUNCTION casework_audit_report_received();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0025_audit_report_received_by_trigger"),
    ]

    operations = [migrations.RunSQL(RECORD, PER_ROW)]
