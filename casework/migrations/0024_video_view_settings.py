import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0023_manual_channels_routing"),
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
        migrations.RemoveConstraint(
            model_name="viewsettings",
            name="view_settings_one_per_user",
        ),
        migrations.AddField(
            model_name="viewsettings",
            name="scope",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Everything"),
                    ("video", "Videos"),
                    ("category_a", "Items matched in category A (A1 or A)"),
                ],
                default="",
                help_text="A preset for videos or category A items, over the settings for "
                "everything",
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="viewsettings",
            constraint=models.UniqueConstraint(
                django.db.models.functions.comparison.Coalesce("user", models.Value(0)),
                models.F("scope"),
                name="view_settings_one_per_user_scope",
            ),
        ),
    ]
