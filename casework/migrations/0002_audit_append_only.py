from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION casework_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on casework_auditevent is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_audit_append_only
    BEFORE UPDATE OR DELETE ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION casework_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS casework_audit_append_only ON casework_auditevent;
DROP FUNCTION IF EXISTS casework_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
