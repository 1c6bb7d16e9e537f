"""Seal the personal data already stored (uploader, reporter, victim, content, description,
external id, the payload as received, media file names) under the evidence keys, and keep
keyed digests for the lookups by external id, uploader id and uploader email."""

from django.db import migrations, models

import reports.sealed_fields
from reports.sealed_columns import Digest, seal_columns, unseal_columns

REPORT_COLUMNS = {
    "external_id": "text",
    "description": "text",
    "content": "json",
    "uploader": "json",
    "reporter": "json",
    "victim": "json",
    "raw_payload": "json",
}
REPORT_DIGESTS = (
    Digest("external_id_digest", "external_id"),
    Digest("uploader_id_digest", "uploader", "id"),
    Digest("uploader_email_digest", "uploader", "email", casefold=True),
)
MEDIA_COLUMNS = {"filename": "text"}


def seal(apps, schema_editor):
    seal_columns(schema_editor, "reports_report", REPORT_COLUMNS, REPORT_DIGESTS)
    seal_columns(schema_editor, "reports_media", MEDIA_COLUMNS)


def unseal(apps, schema_editor):
    unseal_columns(schema_editor, "reports_report", REPORT_COLUMNS)
    unseal_columns(schema_editor, "reports_media", MEDIA_COLUMNS)


def sealed(**kwargs):
    return reports.sealed_fields.SealedJSONField(**kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_media_lease"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="report", name="report_unique_external_id"),
        migrations.RemoveIndex(model_name="report", name="report_uploader_id_idx"),
        migrations.AddField(
            model_name="report",
            name="external_id_digest",
            field=reports.sealed_fields.DigestField(of="external_id"),
        ),
        migrations.AddField(
            model_name="report",
            name="uploader_email_digest",
            field=reports.sealed_fields.DigestField(casefold=True, key="email", of="uploader"),
        ),
        migrations.AddField(
            model_name="report",
            name="uploader_id_digest",
            field=reports.sealed_fields.DigestField(key="id", of="uploader"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(seal, unseal)],
            state_operations=[
                migrations.AlterField(
                    model_name="media",
                    name="filename",
                    field=reports.sealed_fields.SealedTextField(
                        help_text="As the platform named it; not trusted"
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="content",
                    field=sealed(blank=True, default=dict),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="description",
                    field=reports.sealed_fields.SealedTextField(blank=True, default=""),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="external_id",
                    field=reports.sealed_fields.SealedTextField(),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="raw_payload",
                    field=sealed(
                        help_text="The document as received; media contents replaced by their "
                        "vault reference"
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="reporter",
                    field=sealed(blank=True, default=dict),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="uploader",
                    field=sealed(blank=True, default=dict),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="victim",
                    field=sealed(blank=True, default=dict, help_text="A child the report names"),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("uploader_id_digest", ""), _negated=True),
                fields=["uploader_id_digest", "id"],
                name="report_uploader_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("uploader_email_digest", ""), _negated=True),
                fields=["uploader_email_digest"],
                name="report_uploader_email_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                fields=("platform", "source", "external_id_digest"),
                name="report_unique_external_id",
            ),
        ),
    ]
