"""A stored report's `report.received` event is written by PostgreSQL in the statement that
stores the report: no report exists without its event, and intake stores a report without
media in one statement with no transaction of its own around it (a BEGIN, a second insert
and a COMMIT cost a small report three round trips and some 140 µs of web-server CPU)."""

from django.db import migrations

RECORD = """
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

FORGET = """
DROP TRIGGER IF EXISTS casework_audit_report_received ON reports_report;
DROP FUNCTION IF EXISTS casework_audit_report_received();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0024_video_view_settings"),
        ("reports", "0017_vpdq_segments"),
    ]

    operations = [migrations.RunSQL(RECORD, FORGET)]
