from django.db import migrations


def create_queues(apps, schema_editor):
    from casework.cases.routing import ensure_default_queues

    ensure_default_queues(apps.get_model("casework", "Queue"))


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_cases")]

    operations = [migrations.RunPython(create_queues, migrations.RunPython.noop)]
