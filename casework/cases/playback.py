"""Playing a case's video, on request only, for whoever may reveal it: filtered at low
resolution in the reviewer's preview style (with their video preset, and their category A
preset if the video is matched in category A), or the original (a reveal, audited as one) as
their view settings say; silent unless they allow audio."""

from __future__ import annotations

from typing import Any

from casework import audit
from casework.cases import view_settings
from casework.cases.errors import CaseActionRefused, EvidencePurged, FieldRefused
from casework.cases.evidence import case_for_close_look
from reports import api


def play_video(*, case_id: int, media_id: int, user: Any) -> tuple[bytes, str, bool]:
    """The video's stream (a WebM), its content type, and whether it is filtered. The
    original is audited `media.revealed` (playback), the filtered stream `media.played`."""
    case = case_for_close_look(case_id, media_id, user)
    scopes = view_settings.scopes_of("video", api.best_match_category(media_id))
    chosen = view_settings.settings_for(user, scopes)
    style = chosen.preview_style() if chosen.plays_filtered else None
    try:
        data = api.playback_stream(media_id, style, chosen.video_audio)
    except api.NotAVideo as bad:
        raise FieldRefused("media", str(bad)) from bad
    except api.MediaPurged as gone:
        raise EvidencePurged(str(gone)) from gone
    except api.VaultError as exc:
        raise CaseActionRefused(str(exc)) from exc
    facts = {"case": case.pk, "playback": True, "audio": chosen.video_audio}
    if style is None:
        audit.by_user(user, "media.revealed", target=f"media:{media_id}", data=facts)
    else:
        facts["style"] = {"filter": style.filter, "blur": style.blur, "greyscale": style.greyscale}
        audit.by_user(user, "media.played", target=f"media:{media_id}", data=facts)
    return data, api.PLAYBACK_CONTENT_TYPE, style is not None
