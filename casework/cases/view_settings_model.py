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

    class Scope(models.TextChoices):
        ALL = "", "Everything"
        VIDEO = "video", "Videos"
        CATEGORY_A = "category_a", "Items matched in category A (A1 or A)"

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
    scope = models.CharField(
        max_length=12,
        choices=Scope.choices,
        blank=True,
        default="",
        help_text="A preset for videos or category A items, over the settings for everything",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One row per user and scope, and one team row per scope (user NULL): NULLs
            # would not collide.
            models.UniqueConstraint(
                Coalesce("user", Value(0)), "scope", name="view_settings_one_per_user_scope"
            )
        ]

    def __str__(self) -> str:
        preset = f" ({self.get_scope_display()})" if self.scope else ""
        return f"View settings of {self.user or 'the team'}{preset}"
