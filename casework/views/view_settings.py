"""The reviewer's own view settings (/settings/view/) and the team defaults
(/settings/team/, leads and admins): plain forms, saved and audited by
casework.cases.view_settings, a bad value answered 400 naming its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casework import roles
from casework.cases import view_settings
from casework.models import ViewSettings
from casework.views.decorators import role_required

TEAM_EDITORS = (roles.ESCALATION_LEAD, roles.ADMIN)
GREYSCALE = [("on", "Greyscale"), ("off", "Colour")]
AUDIO = [("off", "Off (silent)"), ("on", "On")]
ON_OFF = {"on": True, "off": False}
TEAM_DEFAULT = [("", "Team default")]
PRESET_SCOPES = {"video": ViewSettings.Scope.VIDEO, "category-a": ViewSettings.Scope.CATEGORY_A}


class TeamForm(forms.Form):
    blur = forms.ChoiceField(label="Blur strength", choices=ViewSettings.Blur.choices)
    greyscale = forms.ChoiceField(label="Colour", choices=GREYSCALE)
    preview_size = forms.TypedChoiceField(
        label="Preview size", choices=ViewSettings.Size.choices, coerce=int
    )
    filter = forms.ChoiceField(label="Filter", choices=ViewSettings.Filter.choices)
    reveal_seconds = forms.TypedChoiceField(
        label="A revealed original re-blurs after",
        choices=ViewSettings.RevealTime.choices,
        coerce=int,
    )
    warn_categories = forms.MultipleChoiceField(
        label="Warn before showing items matched in category",
        choices=view_settings.WARNABLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keyframes = forms.TypedChoiceField(
        label="Video keyframes in the grid", choices=ViewSettings.Keyframes.choices, coerce=int
    )
    video_playback = forms.ChoiceField(
        label="Video playback", choices=ViewSettings.Playback.choices
    )
    video_audio = forms.ChoiceField(label="Video audio", choices=AUDIO)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["greyscale"] = ON_OFF.get(data["greyscale"])
        data["video_audio"] = ON_OFF.get(data["video_audio"])
        return data


class OwnForm(TeamForm):
    """As the team's, each field may be left to the team default."""

    warn_own = forms.ChoiceField(
        label="Warning categories",
        choices=TEAM_DEFAULT + [("mine", "My choice below")],
        required=False,
    )
    field_order = [*(f for f in TeamForm.base_fields if f != "warn_categories"), "warn_own"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name not in ("warn_own", "warn_categories"):
                field.choices = TEAM_DEFAULT + list(field.choices)
        self.fields["preview_size"].empty_value = None
        self.fields["reveal_seconds"].empty_value = None
        self.fields["keyframes"].empty_value = None

    def values(self) -> dict[str, Any]:
        data = super().values()
        if data.pop("warn_own") != "mine":
            data["warn_categories"] = None
        return data


def _initial(row: ViewSettings | None) -> dict[str, Any]:
    if row is None:
        return {}
    greyscale = {True: "on", False: "off"}.get(row.greyscale, "")
    return {
        "blur": row.blur,
        "greyscale": greyscale,
        "preview_size": row.preview_size or "",
        "filter": row.filter,
        "reveal_seconds": row.reveal_seconds or "",
        "warn_own": "" if row.warn_categories is None else "mine",
        "warn_categories": row.warn_categories or [],
        "keyframes": row.keyframes or "",
        "video_playback": row.video_playback,
        "video_audio": {True: "on", False: "off"}.get(row.video_audio, ""),
    }


def preset_links(url_name: str) -> list[tuple[str, str]]:
    """(label, address) of each preset page (casework.views.view_presets)."""
    return [(scope.label, reverse(url_name, args=[slug])) for slug, scope in PRESET_SCOPES.items()]


def page(request: HttpRequest, form: forms.Form, context: dict[str, Any]) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "casework/view_settings.html", {"form": form, **context}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*roles.PREVIEW_ROLES)
def own_settings(request: HttpRequest) -> HttpResponse:
    context = {
        "heading": "My view settings",
        "team": view_settings.team_defaults(),
        "in_force": view_settings.settings_for(request.user),
        "own": True,
        "presets": preset_links("view-preset"),
    }
    return settings_page(
        request,
        OwnForm,
        initial=lambda: _initial(view_settings.user_row(request.user)),
        save=view_settings.save_own,
        saved="Your view settings are saved.",
        context=context,
    )


@require_http_methods(["GET", "POST"])
@role_required(*TEAM_EDITORS)
def team_settings(request: HttpRequest) -> HttpResponse:
    return settings_page(
        request,
        TeamForm,
        initial=lambda: _initial(view_settings.team_row()) or _built_in(),
        save=view_settings.save_team,
        saved="The team's view settings are saved.",
        context={
            "heading": "Team view settings",
            "in_force": view_settings.team_defaults(),
            "presets": preset_links("team-view-preset"),
        },
    )


def settings_page(
    request: HttpRequest,
    form_class: type[TeamForm],
    *,
    initial: Callable[[], dict[str, Any]],
    save: Callable[[Any, dict[str, Any]], None],
    saved: str,
    context: dict[str, Any],
) -> HttpResponse:
    """GET shows the form; POST saves it and comes back to the page, or answers 400."""
    if request.method == "GET":
        return page(request, form_class(initial=initial()), context)
    form = form_class(request.POST)
    if not form.is_valid():
        return page(request, form, context)
    save(request.user, form.values())
    messages.success(request, saved)
    return redirect(request.path)


def _built_in() -> dict[str, Any]:
    built_in = view_settings.BUILT_IN
    return {
        "blur": built_in.blur,
        "greyscale": "on" if built_in.greyscale else "off",
        "preview_size": built_in.preview_size,
        "filter": built_in.filter,
        "reveal_seconds": built_in.reveal_seconds,
        "warn_categories": list(built_in.warn_categories),
        "keyframes": built_in.keyframes,
        "video_playback": built_in.video_playback,
        "video_audio": "on" if built_in.video_audio else "off",
    }
