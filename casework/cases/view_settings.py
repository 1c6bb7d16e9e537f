"""A reviewer's view settings: their own overrides over the team defaults over the built-in
defaults, resolved into the style the server makes their previews in; and saving either,
audited with the old and the new values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from casework import audit
from casework.models import ViewSettings
from reports import api

FIELDS = (
    "blur",
    "greyscale",
    "preview_size",
    "filter",
    "reveal_seconds",
    "warn_categories",
    "keyframes",
    "video_playback",
    "video_audio",
)
# Every category a hash list may carry; "category A" is the most severe in both schemes.
WARNABLE = (*api.INDUSTRY_CATEGORIES, *api.IWF_CATEGORIES)
WARNABLE_CHOICES = [(c, f"{c} (industry)") for c in api.INDUSTRY_CATEGORIES] + [
    (c, f"{c} (UK)") for c in api.IWF_CATEGORIES
]


@dataclass(frozen=True)
class Resolved:
    """The settings in force for one person, every field filled in."""

    blur: str = ViewSettings.Blur.STRONG.value
    greyscale: bool = True
    preview_size: int = ViewSettings.Size.SMALL.value
    filter: str = ViewSettings.Filter.BLUR.value
    reveal_seconds: int = ViewSettings.RevealTime.USUAL.value
    warn_categories: tuple[str, ...] = ("A1", "A")
    keyframes: int = ViewSettings.Keyframes.USUAL.value
    video_playback: str = ViewSettings.Playback.FILTERED.value
    video_audio: bool = False

    def warns_for(self, category: str | None) -> bool:
        """Whether an item matched in this category shows a warning before its preview."""
        return bool(category) and category in self.warn_categories

    @property
    def plays_filtered(self) -> bool:
        return self.video_playback == ViewSettings.Playback.FILTERED

    def preview_style(self) -> api.PreviewStyle:
        return api.PreviewStyle(
            blur=self.blur,
            greyscale=self.greyscale,
            edge=self.preview_size,
            filter=self.filter,
            keyframes=self.keyframes,
        )


BUILT_IN = Resolved()


def _is_set(value: Any) -> bool:
    return value is not None and value != ""


def _over(base: Resolved, row: ViewSettings | None) -> Resolved:
    if row is None:
        return base
    chosen = {name: getattr(row, name) for name in FIELDS if _is_set(getattr(row, name))}
    if "warn_categories" in chosen:
        chosen["warn_categories"] = tuple(chosen["warn_categories"])
    return Resolved(**{**asdict(base), **chosen})


def team_row() -> ViewSettings | None:
    return ViewSettings.objects.filter(user__isnull=True).first()


def user_row(user: Any) -> ViewSettings | None:
    return ViewSettings.objects.filter(user=user).first()


def team_defaults() -> Resolved:
    return _over(BUILT_IN, team_row())


def settings_for(user: Any) -> Resolved:
    """The user's overrides over the team defaults over the built-in defaults."""
    mine = Q(user__isnull=True)
    if user is not None and user.is_authenticated:
        mine |= Q(user=user)
    rows = {row.user_id: row for row in ViewSettings.objects.filter(mine)}
    return _over(_over(BUILT_IN, rows.get(None)), rows.get(getattr(user, "pk", None)))


def _values(row: ViewSettings | None) -> dict[str, Any]:
    return {name: (getattr(row, name) if row else None) for name in FIELDS}


def _save(row: ViewSettings, values: dict[str, Any]) -> tuple[dict, dict]:
    old = _values(row if row.pk else None)
    for name in FIELDS:
        setattr(row, name, values[name])
    row.save()
    return old, _values(row)


def _save_racing(row_now: Callable[[], ViewSettings], values: dict[str, Any]) -> tuple[dict, dict]:
    """Save into the row as it is now; two first saves at once make one row (the later one
    finds the first's row and saves over it)."""
    try:
        with transaction.atomic():
            return _save(row_now(), values)
    except IntegrityError:
        return _save(row_now(), values)


def save_own(user: Any, values: dict[str, Any]) -> None:
    """Save the user's overrides (None or "" for "the team default"), audited."""
    old, new = _save_racing(lambda: user_row(user) or ViewSettings(user=user), values)
    audit.by_user(
        user,
        "view_settings.changed",
        target=f"user:{user.get_username()}",
        data={"old": old, "new": new},
    )


def save_team(user: Any, values: dict[str, Any]) -> None:
    """Save the team defaults, audited with who changed them."""
    old, new = _save_racing(lambda: team_row() or ViewSettings(user=None), values)
    audit.by_user(user, "team_view_settings.changed", target="team", data={"old": old, "new": new})
