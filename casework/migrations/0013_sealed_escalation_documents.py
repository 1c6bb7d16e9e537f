"""Seal the documents sent to hotlines and their receipts: they name the uploader and the
victim (see reports/sealing.py)."""

from django.db import migrations

import reports.sealed_fields
from reports.sealed_columns import seal_columns, unseal_columns

COLUMNS = {"body": "text"}


def seal(apps, schema_editor):
    seal_columns(schema_editor, "casework_escalationdocument", COLUMNS)


def unseal(apps, schema_editor):
    unseal_columns(schema_editor, "casework_escalationdocument", COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0012_case_list_filter_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(seal, unseal)],
            state_operations=[
                migrations.AlterField(
                    model_name="escalationdocument",
                    name="body",
                    field=reports.sealed_fields.SealedTextField(
                        help_text="Sealed: it names the uploader and the victim"
                    ),
                ),
            ],
        ),
    ]
