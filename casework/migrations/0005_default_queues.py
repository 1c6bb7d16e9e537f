from django.db import migrations


def create_queues(apps, schema_editor):
    from casework.cases.routing import ensure_default_queues

    # The database being migrated: migrations run as the owner alias (casework.db_roles).
    ensure_default_queues(apps.get_model("casework", "Queue"), schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_cases")]

    operations = [migrations.RunPython(create_queues, migrations.RunPython.noop)]
