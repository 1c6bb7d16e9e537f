"""Presets over a person's (or the team's) view settings for videos and for items matched
in category A (/settings/view/<scope>/, /settings/team/<scope>/): a stronger blur, colour or
filter there than for the rest. Saved and audited by casework.cases.view_settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from casework import roles
from casework.cases import view_settings
from casework.models import ViewSettings
from casework.views.decorators import role_required
from casework.views.view_settings import (
    GREYSCALE,
    ON_OFF,
    PRESET_SCOPES,
    TEAM_EDITORS,
    settings_page,
)

SAME = [("", "Same as for everything")]


class PresetForm(forms.Form):
    blur = forms.ChoiceField(
        label="Blur strength", choices=SAME + ViewSettings.Blur.choices, required=False
    )
    greyscale = forms.ChoiceField(label="Colour", choices=SAME + GREYSCALE, required=False)
    filter = forms.ChoiceField(
        label="Filter", choices=SAME + ViewSettings.Filter.choices, required=False
    )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["greyscale"] = ON_OFF.get(data["greyscale"])
        return data


def _scope(slug: str) -> ViewSettings.Scope:
    if slug not in PRESET_SCOPES:
        raise Http404("No such preset.")
    return PRESET_SCOPES[slug]


def _initial(row: ViewSettings | None) -> dict[str, Any]:
    if row is None:
        return {}
    greyscale = {True: "on", False: "off"}.get(row.greyscale, "")
    return {"blur": row.blur, "greyscale": greyscale, "filter": row.filter}


@require_http_methods(["GET", "POST"])
@role_required(*roles.PREVIEW_ROLES)
def own_preset(request: HttpRequest, scope: str) -> HttpResponse:
    chosen = _scope(scope)
    context = {
        "heading": f"My preset: {chosen.label.lower()}",
        "preset": True,
        "in_force": view_settings.settings_for(request.user, (chosen.value,)),
    }
    return settings_page(
        request,
        PresetForm,
        initial=lambda: _initial(view_settings.user_row(request.user, chosen.value)),
        save=lambda user, values: view_settings.save_own(user, values, chosen.value),
        saved="Your preset is saved.",
        context=context,
    )


@require_http_methods(["GET", "POST"])
@role_required(*TEAM_EDITORS)
def team_preset(request: HttpRequest, scope: str) -> HttpResponse:
    chosen = _scope(scope)
    context = {
        "heading": f"Team preset: {chosen.label.lower()}",
        "preset": True,
        "in_force": view_settings.team_defaults(chosen.value),
    }
    return settings_page(
        request,
        PresetForm,
        initial=lambda: _initial(view_settings.team_row(chosen.value)),
        save=lambda user, values: view_settings.save_team(user, values, chosen.value),
        saved="The team's preset is saved.",
        context=context,
    )
