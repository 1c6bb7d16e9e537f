from django.db import migrations

# TRUNCATE bypasses row triggers: refuse it on both audit tables, unless the tables' owner
# has set casework.audit_truncate in its own session (the test suite's flush). The owner can
# drop triggers anyway; what an owner rewrites, the signed checkpoints reveal.
FORBID = """
CREATE OR REPLACE FUNCTION casework_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('casework.audit_truncate', true) = 'allowed'
       AND pg_has_role(current_user, (SELECT tableowner FROM pg_tables
                                      WHERE tablename = TG_TABLE_NAME), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE on % is refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_audit_no_truncate BEFORE TRUNCATE ON casework_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_no_truncate();
CREATE TRIGGER casework_audit_seal_no_truncate BEFORE TRUNCATE ON casework_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_no_truncate();
"""

ALLOW = """
DROP TRIGGER IF EXISTS casework_audit_no_truncate ON casework_auditevent;
DROP TRIGGER IF EXISTS casework_audit_seal_no_truncate ON casework_auditseal;
DROP FUNCTION IF EXISTS casework_audit_no_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("casework", "0009_escalation")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
