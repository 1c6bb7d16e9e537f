"""A reviewer's view settings, and the team defaults (defined with casework.models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce


class ViewSettings(models.Model):
    """How previews are made for a reviewer. The row without a user holds the team defaults;
    a user's row holds their overrides, where an empty field means "the team default"."""

    class Blur(models.TextChoices):
        STRONG = "strong"
        MEDIUM = "medium"
        LIGHT = "light"

    class Size(models.IntegerChoices):
        SMALL = 256, "Small (256 px)"
        MEDIUM = 384, "Medium (384 px)"
        LARGE = 512, "Large (512 px)"

    class Filter(models.TextChoices):
        BLUR = "blur"
        PIXELATE = "pixelate"
        REDUCED = "reduced", "Reduced detail (a drawing)"

    class RevealTime(models.IntegerChoices):
        SHORT = 5, "5 seconds"
        USUAL = 10, "10 seconds"
        LONG = 30, "30 seconds"
        LONGEST = 60, "1 minute"

    class Keyframes(models.IntegerChoices):
        FEW = 4, "4 keyframes"
        USUAL = 9, "9 keyframes"
        MANY = 16, "16 keyframes"

    class Playback(models.TextChoices):
        FILTERED = "filtered", "Filtered, low resolution"
        ORIGINAL = "original", "Original (recorded as a reveal)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    blur = models.CharField(max_length=8, choices=Blur.choices, blank=True)
    greyscale = models.BooleanField(null=True, blank=True)
    preview_size = models.PositiveSmallIntegerField(choices=Size.choices, null=True, blank=True)
    filter = models.CharField(max_length=8, choices=Filter.choices, blank=True)
    reveal_seconds = models.PositiveSmallIntegerField(
        choices=RevealTime.choices, null=True, blank=True, help_text="A reveal re-blurs after"
    )
    warn_categories = models.JSONField(
        null=True,
        blank=True,
        help_text="Hash-list categories whose items show a warning before their preview",
    )
    keyframes = models.PositiveSmallIntegerField(choices=Keyframes.choices, null=True, blank=True)
    video_playback = models.CharField(max_length=8, choices=Playback.choices, blank=True)
    video_audio = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One row per user, and one team row (user NULL): NULLs would not collide.
            models.UniqueConstraint(Coalesce("user", Value(0)), name="view_settings_one_per_user")
        ]

    def __str__(self) -> str:
        return f"View settings of {self.user or 'the team'}"
