"""A video's vPDQ list match keeps the time range of its frames that matched (the segment),
and a video keeps each keyframe grid tile's time, so the case page can mark the tiles a
match covers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0016_exchanges"),
    ]

    operations = [
        migrations.AddField(
            model_name="mediamatch",
            name="segment_start",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="mediamatch",
            name="segment_end",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="media",
            name="keyframe_times",
            field=models.JSONField(
                blank=True, default=list, help_text="A video's keyframe grid: each tile's time (s)"
            ),
        ),
    ]
