from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0022_wellbeing_days_limits_resources"),
    ]

    operations = [
        migrations.AddField(
            model_name="viewsettings",
            name="keyframes",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(4, "4 keyframes"), (9, "9 keyframes"), (16, "16 keyframes")],
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="viewsettings",
            name="video_playback",
            field=models.CharField(
                blank=True,
                choices=[
                    ("filtered", "Filtered, low resolution"),
                    ("original", "Original (recorded as a reveal)"),
                ],
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="viewsettings",
            name="video_audio",
            field=models.BooleanField(blank=True, null=True),
        ),
    ]
