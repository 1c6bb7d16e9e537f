"""What a person looks at, recorded: opening a case, searching cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casework import audit, permissions, roles
from casework.audit import sealed_data
from casework.cases import selectors, video_matches, view_settings
from casework.models import Case, Decision
from casework.preservation.keeping import CaseKeeping, case_keeping
from reports import api


@dataclass
class CasePage:
    """A case as its page shows it, with what this user may do there."""

    case: Case
    reports: list[Any]
    media: list[Any]
    decisions: list[Decision]
    timeline: list[Any]
    uploader_cases: list[Case]
    keeping: CaseKeeping | None = None  # preservation: holds, and each media item's keeping
    may: dict[str, bool] = field(default_factory=dict)
    view: view_settings.Resolved = view_settings.BUILT_IN  # the user's view settings


def view_case(*, case_id: int, user: Any) -> CasePage:
    """Load the case page for this user and record that they opened it (raises
    Case.DoesNotExist)."""
    case, reports = selectors.case_page(case_id)
    audit.by_user(user, "case.viewed", target=f"case:{case.pk}")
    decisions = list(case.decisions.all())
    matches = api.best_matches([r.pk for r in reports])
    media = [m for r in reports for m in r.media.all()]
    videos = api.video_list_matches([m.pk for m in media if m.kind == "video"])
    for item in media:
        item.best_match = matches.get(item.pk)
        item.video_matches = video_matches.shown(videos.get(item.pk, []), item.keyframe_times)
    keeping = case_keeping(case, media)
    for item, kept in zip(media, keeping.media, strict=True):
        item.keeping = kept
    may_preview = permissions.may_see_previews(user)
    view = view_settings.settings_for(user) if may_preview else view_settings.BUILT_IN
    for item in media:
        category = (item.best_match or {}).get("category")
        item.warning = category if view.warns_for(category) else ""
        if item.kind == "video" and may_preview:  # as play_video chooses, by its own lookup
            scopes = view_settings.scopes_of("video", api.best_match_category(item.pk))
            item.plays_original = not view_settings.settings_for(user, scopes).plays_filtered
    return CasePage(
        case=case,
        reports=reports,
        media=media,
        decisions=decisions,
        timeline=selectors.timeline(case, reports),
        uploader_cases=selectors.other_cases_of_uploaders(case, reports),
        keeping=keeping,
        may={
            "decide": permissions.may_decide(case, user),
            "claim": permissions.may_claim(case, user),
            "preview": may_preview,
            "reveal": permissions.may_look_closely(case, user),
            "approve": permissions.may_approve(case, user, decisions[0] if decisions else None),
            "lead": permissions.may_lead(user),
            "hold": roles.has_role(user, roles.ADMIN),
        },
        view=view,
    )


def search_cases(*, query: str, user: Any) -> list[Case]:
    """Cases matching the query; a search that was asked is recorded with its result count."""
    results = selectors.search_cases(query)
    if query:
        audit.by_user(
            user,
            "case.searched",
            target="cases",
            # what was searched may be an uploader's email: sealed, shown to auditors
            data={**sealed_data.sealed("q", query[:200]), "results": len(results)},
        )
    return results
