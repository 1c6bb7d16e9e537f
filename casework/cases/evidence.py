"""Looking at evidence: every look is an audited action. Previews are the server-blurred
greyscale copies; the original and its metadata are for the holder (or a lead checking a
decision) only, one deliberate request at a time."""

from __future__ import annotations

import dataclasses
from typing import Any

from casework import audit, permissions
from casework.cases import view_settings
from casework.cases.errors import CaseActionRefused, EvidencePurged, FieldRefused
from casework.models import AuditEvent, Case
from reports import api


def case_media_ids(case: Case) -> list[int]:
    """Ids of every media item in the case's reports."""
    return api.media_ids_of_reports(list(case.case_reports.values_list("report_id", flat=True)))


# A zoomed preview: the same filter at up to this long edge (the blur grows with the edge, so
# it is no sharper), for looking closer without revealing anything.
ZOOM_EDGE = 1024


def view_preview(*, media_id: int, user: Any, zoomed: bool = False) -> bytes | None:
    """The preview of a media item in the user's view settings (None if there is none yet),
    audited; EvidencePurged once its keeping has ended."""
    try:
        scopes = view_settings.scopes_of("image", api.best_match_category(media_id))
        style = view_settings.settings_for(user, scopes).preview_style()
        if zoomed:
            style = dataclasses.replace(style, edge=ZOOM_EDGE)
        data = api.preview_for(media_id, style)
    except api.MediaPurged as gone:
        raise EvidencePurged(str(gone)) from gone
    if data is not None:
        audit.by_user(
            user,
            "media.preview_viewed",
            target=f"media:{media_id}",
            data={"zoomed": True} if zoomed else {},
        )
    return data


def _media_of_case(case_id: int, media_id: int) -> Case:
    case = Case.objects.get(pk=case_id)
    report_id = api.report_id_of_media(media_id)
    if report_id is None or not case.case_reports.filter(report_id=report_id).exists():
        raise CaseActionRefused("That media item is not part of this case.")
    return case


def case_for_close_look(case_id: int, media_id: int, user: Any) -> Case:
    """The case, if the media item is in it and the user may look at its originals."""
    case = _media_of_case(case_id, media_id)
    if not permissions.may_look_closely(case, user):
        raise CaseActionRefused(
            "Only the reviewer holding the case, or an escalation lead checking a decision, "
            "may reveal or inspect its media."
        )
    return case


def reveal_media(*, case_id: int, media_id: int, user: Any) -> tuple[bytes, str]:
    """The unblurred original of one media item, for a deliberate, audited reveal."""
    case = case_for_close_look(case_id, media_id, user)
    try:
        data, content_type, _ = api.original_bytes(media_id)
    except api.MediaPurged as gone:
        raise EvidencePurged(str(gone)) from gone
    except api.VaultError as exc:
        raise CaseActionRefused(str(exc)) from exc
    audit.by_user(user, "media.revealed", target=f"media:{media_id}", data={"case": case.pk})
    return data, content_type


def reveal_region(*, case_id: int, media_id: int, user: Any, region: str) -> bytes:
    """The original image unfiltered inside one region (`x,y,w,h`), the rest filtered, for a
    deliberate, audited reveal; FieldRefused if the region does not fit the image."""
    case = case_for_close_look(case_id, media_id, user)
    try:
        data, read = api.region_revealed_bytes(media_id, region)
    except api.BadRegion as bad:
        raise FieldRefused("region", str(bad)) from bad
    except api.MediaPurged as gone:
        raise EvidencePurged(str(gone)) from gone
    except api.VaultError as exc:
        raise CaseActionRefused(str(exc)) from exc
    audit.by_user(
        user, "media.revealed", target=f"media:{media_id}", data={"case": case.pk, "region": read}
    )
    return data


REBLUR_CAUSES = ("timer", "manual", "hidden", "left")
MAX_REVEAL_SECONDS = 24 * 3600


def record_reblur(*, case_id: int, media_id: int, user: Any, seconds: str, cause: str) -> None:
    """Record that a revealed original was blurred again after `seconds` on screen, and why
    (its time ran out, the reviewer hid it, the tab was hidden, the page was left): the
    page's honest count of exposure, next to the server's reveal log. FieldRefused names a
    bad field; a reblur without an earlier reveal by them is refused. The reviewer need not
    hold the case any more: the page reports a re-blur also as it is left for the next one."""
    case = _media_of_case(case_id, media_id)
    try:
        shown = round(float(seconds), 1)
    except ValueError:
        shown = -1.0
    if not 0 <= shown <= MAX_REVEAL_SECONDS:  # also refuses nan and inf
        raise FieldRefused("seconds", f"a number of seconds from 0 to {MAX_REVEAL_SECONDS}")
    if cause not in REBLUR_CAUSES:
        raise FieldRefused("cause", f"one of {', '.join(REBLUR_CAUSES)}")
    _require_own_reveal(media_id, user, "Reveal the original before recording its re-blur.")
    audit.by_user(
        user,
        "media.reblurred",
        target=f"media:{media_id}",
        data={"case": case.pk, "seconds": shown, "cause": cause},
    )


def _require_own_reveal(media_id: int, user: Any, refusal: str) -> None:
    revealed = AuditEvent.objects.filter(
        action="media.revealed", actor=audit.user_actor(user), target=f"media:{media_id}"
    )
    if not revealed.exists():
        raise CaseActionRefused(refusal)


def record_enlargement(*, case_id: int, media_id: int, user: Any) -> None:
    """Record that the reviewer enlarged an original they revealed; the viewer shows the bytes
    the reveal returned, so an enlargement without an earlier reveal by them is refused."""
    case = case_for_close_look(case_id, media_id, user)
    _require_own_reveal(media_id, user, "Reveal the original before enlarging it.")
    audit.by_user(user, "media.enlarged", target=f"media:{media_id}", data={"case": case.pk})


def inspect_metadata(*, case_id: int, media_id: int, user: Any) -> dict[str, str]:
    """The media item's embedded metadata (EXIF and the like), audited."""
    case = case_for_close_look(case_id, media_id, user)
    try:
        found = api.media_metadata(media_id)
    except api.MediaPurged as gone:
        raise EvidencePurged(str(gone)) from gone
    except api.VaultError as exc:
        raise CaseActionRefused(str(exc)) from exc
    audit.by_user(user, "media.metadata_viewed", target=f"media:{media_id}", data={"case": case.pk})
    return found
