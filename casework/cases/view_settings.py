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
# What a preset (for videos, for category A) may set over the settings for everything.
PRESET_FIELDS = ("blur", "greyscale", "filter")
CATEGORY_A = ("A1", "A")  # "category A": the most severe in either scheme
SCOPES = tuple(ViewSettings.Scope.values)
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


def _over(base: Resolved, row: ViewSettings | None, fields: tuple[str, ...] = FIELDS) -> Resolved:
    if row is None:
        return base
    chosen = {name: getattr(row, name) for name in fields if _is_set(getattr(row, name))}
    if "warn_categories" in chosen:
        chosen["warn_categories"] = tuple(chosen["warn_categories"])
    return Resolved(**{**asdict(base), **chosen})


def team_row(scope: str = "") -> ViewSettings | None:
    return ViewSettings.objects.filter(user__isnull=True, scope=scope).first()


def user_row(user: Any, scope: str = "") -> ViewSettings | None:
    return ViewSettings.objects.filter(user=user, scope=scope).first()


def team_defaults(scope: str = "") -> Resolved:
    resolved = _over(BUILT_IN, team_row())
    return _over(resolved, team_row(scope), PRESET_FIELDS) if scope else resolved


def scopes_of(kind: str, category: str) -> tuple[str, ...]:
    """The presets that apply to an item: videos', then category A's (the later wins)."""
    scopes = (ViewSettings.Scope.VIDEO.value,) if kind == "video" else ()
    if category in CATEGORY_A:
        scopes += (ViewSettings.Scope.CATEGORY_A.value,)
    return scopes


def settings_for(user: Any, scopes: tuple[str, ...] = ()) -> Resolved:
    """The user's overrides over the team defaults over the built-in defaults; then, for
    each scope (see scopes_of), the team's preset and the user's own over those."""
    mine = Q(user__isnull=True)
    if user is not None and user.is_authenticated:
        mine |= Q(user=user)
    rows = {
        (row.user_id, row.scope): row
        for row in ViewSettings.objects.filter(mine, scope__in=("", *scopes))
    }
    own = getattr(user, "pk", None)
    resolved = _over(_over(BUILT_IN, rows.get((None, ""))), rows.get((own, "")))
    for scope in scopes:
        resolved = _over(resolved, rows.get((None, scope)), PRESET_FIELDS)
        resolved = _over(resolved, rows.get((own, scope)), PRESET_FIELDS)
    return resolved


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


def _scoped(data: dict[str, Any], scope: str) -> dict[str, Any]:
    return {**data, "scope": scope} if scope else data


def save_own(user: Any, values: dict[str, Any], scope: str = "") -> None:
    """Save the user's overrides, or their preset for a scope (None or "" for "the team
    default"), audited."""
    row_now = lambda: user_row(user, scope) or ViewSettings(user=user, scope=scope)  # noqa: E731
    old, new = _save_racing(row_now, _preset_values(values, scope))
    audit.by_user(
        user,
        "view_settings.changed",
        target=f"user:{user.get_username()}",
        data=_scoped({"old": old, "new": new}, scope),
    )


def save_team(user: Any, values: dict[str, Any], scope: str = "") -> None:
    """Save the team defaults, or the team's preset for a scope, audited with who."""
    row_now = lambda: team_row(scope) or ViewSettings(user=None, scope=scope)  # noqa: E731
    old, new = _save_racing(row_now, _preset_values(values, scope))
    data = _scoped({"old": old, "new": new}, scope)
    audit.by_user(user, "team_view_settings.changed", target="team", data=data)


def _preset_values(values: dict[str, Any], scope: str) -> dict[str, Any]:
    """All fields; a preset keeps only the PRESET_FIELDS, the rest left empty."""
    if not scope:
        return values
    return {name: values.get(name) if name in PRESET_FIELDS else _empty(name) for name in FIELDS}


def _empty(name: str) -> Any:
    return None if ViewSettings._meta.get_field(name).null else ""
