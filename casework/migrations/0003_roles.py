from django.db import migrations

ROLES = ("reviewer", "escalation_lead", "auditor", "admin")


def create_roles(apps, schema_editor):
    # The database being migrated: migrations run as the owner alias (casework.db_roles).
    groups = apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias)
    for name in ROLES:
        groups.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
