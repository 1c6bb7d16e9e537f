"""Preservation of evidence: kept at least until a date (and why), and when it was purged
(the row stays: hashes, sizes and dates are the record that the file existed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0013_vpdq"),
    ]

    operations = [
        migrations.AddField(
            model_name="media",
            name="preserved_until",
            field=models.DateTimeField(
                blank=True,
                help_text="Kept at least until then (a hotline report's year)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="media",
            name="preserved_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="media",
            name="purged_at",
            field=models.DateTimeField(
                blank=True, help_text="When the bytes and previews were deleted", null=True
            ),
        ),
    ]
