"""Personal view settings over the team defaults, their pages (saved, refused, audited), and
the preview the server makes in them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from casework import roles
from casework.cases.view_settings import BUILT_IN, settings_for
from casework.models import AuditEvent, ViewSettings
from reports import api, vault
from reports.styled_previews import clear_cache
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def reviewer():
    return make_user("rhea", roles.REVIEWER)


# --- Resolution -------------------------------------------------------------------------


def test_nothing_stored_gives_the_built_in_defaults(reviewer):
    found = settings_for(reviewer)
    assert (found.blur, found.greyscale, found.preview_size, found.filter) == (
        "strong",
        True,
        256,
        "blur",
    )
    assert found == BUILT_IN


def test_the_team_default_applies_where_the_user_sets_nothing(reviewer):
    ViewSettings.objects.create(user=None, blur="medium", greyscale=False, preview_size=384)
    ViewSettings.objects.create(user=reviewer, blur="", greyscale=None, preview_size=None)
    found = settings_for(reviewer)
    assert (found.blur, found.greyscale, found.preview_size, found.filter) == (
        "medium",
        False,
        384,
        "blur",
    )


def test_the_users_override_wins_over_the_team(reviewer):
    ViewSettings.objects.create(user=None, blur="medium", preview_size=384)
    ViewSettings.objects.create(user=reviewer, blur="light", filter="pixelate", greyscale=True)
    other = make_user("otto", roles.REVIEWER)
    mine, theirs = settings_for(reviewer), settings_for(other)
    assert (mine.blur, mine.preview_size, mine.filter) == ("light", 384, "pixelate")
    assert (theirs.blur, theirs.preview_size, theirs.filter) == ("medium", 384, "blur")


def test_settings_are_frozen(reviewer):
    with pytest.raises(AttributeError):
        settings_for(reviewer).blur = "light"


# --- The pages --------------------------------------------------------------------------


def test_own_page_shows_saves_and_audits(reviewer):
    client = signed_in(reviewer)
    page = client.get("/settings/view/")
    assert page.status_code == 200
    assert b'name="preview_size"' in page.content
    assert page["Cache-Control"] == "no-store"
    saved = client.post("/settings/view/", {"preview_size": "512", "greyscale": "off"})
    assert saved.status_code == 302 and saved["Location"] == "/settings/view/"
    followed = client.get("/settings/view/")
    assert b"Your view settings are saved." in followed.content
    row = ViewSettings.objects.get(user=reviewer)
    assert (row.preview_size, row.greyscale, row.blur, row.filter) == (512, False, "", "")
    event = AuditEvent.objects.get(action="view_settings.changed")
    assert event.actor == "user:rhea"
    assert event.data["old"] == {
        "blur": None,
        "greyscale": None,
        "preview_size": None,
        "filter": None,
        "reveal_seconds": None,
        "warn_categories": None,
        "keyframes": None,
        "video_playback": None,
        "video_audio": None,
    }
    assert event.data["new"] == {
        "blur": "",
        "greyscale": False,
        "preview_size": 512,
        "filter": "",
        "reveal_seconds": None,
        "warn_categories": None,
        "keyframes": None,
        "video_playback": "",
        "video_audio": None,
    }
    client.post("/settings/view/", {"preview_size": "384"})
    second = AuditEvent.objects.filter(action="view_settings.changed").order_by("-id").first()
    assert (second.data["old"]["preview_size"], second.data["new"]["preview_size"]) == (512, 384)


@pytest.mark.parametrize(
    "field, value",
    [("preview_size", "1024"), ("blur", "none"), ("filter", "sharpen"), ("reveal_seconds", "7")],
)
def test_own_page_refuses_a_bad_value_naming_the_field(reviewer, field, value):
    response = signed_in(reviewer).post("/settings/view/", {field: value})
    assert response.status_code == 400
    assert f"<code>{field}</code>".encode() in response.content
    assert not ViewSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="view_settings.changed").exists()


def test_team_page_for_a_lead_saves_and_audits():
    lead = make_user("lena", roles.ESCALATION_LEAD)
    client = signed_in(lead)
    assert client.get("/settings/team/").status_code == 200
    values = {
        "blur": "medium",
        "greyscale": "on",
        "preview_size": "384",
        "filter": "pixelate",
        "reveal_seconds": "30",
        "warn_categories": ["A1", "B"],
        "keyframes": "16",
        "video_playback": "filtered",
        "video_audio": "off",
    }
    saved = client.post("/settings/team/", values)
    assert saved.status_code == 302 and saved["Location"] == "/settings/team/"
    assert b"The team&#x27;s view settings are saved." in client.get("/settings/team/").content
    row = ViewSettings.objects.get(user__isnull=True)
    assert (row.blur, row.greyscale, row.preview_size, row.filter) == (
        "medium",
        True,
        384,
        "pixelate",
    )
    event = AuditEvent.objects.get(action="team_view_settings.changed")
    assert event.actor == "user:lena"
    assert event.data["old"]["blur"] is None and event.data["new"]["blur"] == "medium"
    otto = settings_for(make_user("otto", roles.REVIEWER))
    assert (otto.preview_size, otto.reveal_seconds, otto.warn_categories) == (384, 30, ("A1", "B"))
    assert (otto.keyframes, otto.video_playback, otto.video_audio) == (16, "filtered", False)


def test_own_warnings_follow_the_team_until_chosen_and_may_be_none(reviewer):
    ViewSettings.objects.create(user=None, warn_categories=["A1", "A", "B"])
    client = signed_in(reviewer)
    client.post("/settings/view/", {"warn_categories": ["C"]})  # not chosen as mine: ignored
    assert settings_for(reviewer).warn_categories == ("A1", "A", "B")
    client.post("/settings/view/", {"warn_own": "mine"})  # mine, and none ticked
    assert settings_for(reviewer).warn_categories == ()
    assert not settings_for(reviewer).warns_for("A1")
    client.post("/settings/view/", {"warn_own": "mine", "warn_categories": ["C"]})
    assert settings_for(reviewer).warns_for("C") and not settings_for(reviewer).warns_for("A")
    refused = client.post("/settings/view/", {"warn_own": "mine", "warn_categories": ["Z"]})
    assert refused.status_code == 400 and b"<code>warn_categories</code>" in refused.content


def test_team_page_refuses_a_missing_or_bad_value():
    client = signed_in(make_user("lena", roles.ESCALATION_LEAD))
    values = {"blur": "medium", "greyscale": "maybe", "preview_size": "384", "filter": "blur"}
    response = client.post("/settings/team/", values)
    assert response.status_code == 400
    assert b"<code>greyscale</code>" in response.content
    assert not ViewSettings.objects.exists()


def test_a_reviewer_may_not_open_the_team_page(reviewer):
    client = signed_in(reviewer)
    assert client.get("/settings/team/").status_code == 403
    refused = client.post("/settings/team/", {"blur": "light"})
    assert refused.status_code == 403
    assert not ViewSettings.objects.exists()


# --- The preview follows the settings -----------------------------------------------------


def preview_as(user, media) -> Image.Image:
    response = signed_in(user).get(f"/media/{media.pk}/preview")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return Image.open(io.BytesIO(response.content))


def test_the_default_style_is_exactly_the_stored_preview(reviewer):
    media, _ = stored_image(41, "v1")
    response = signed_in(reviewer).get(f"/media/{media.pk}/preview")
    assert response.content == vault.load(media.preview_vault_name)
    assert api.preview_for(media.pk, api.DEFAULT_STYLE) == response.content


def test_a_larger_size_gives_a_larger_preview(reviewer):
    media, _ = stored_image(42, "v2")
    ViewSettings.objects.create(user=reviewer, preview_size=512)
    image = preview_as(reviewer, media)
    assert max(image.size) == 512
    assert AuditEvent.objects.filter(action="media.preview_viewed").count() == 1


def test_colour_has_channels_that_differ(reviewer):
    media, _ = stored_image(43, "v3")
    ViewSettings.objects.create(user=reviewer, greyscale=False)
    image = preview_as(reviewer, media)
    assert image.mode == "RGB"
    pixels = np.asarray(image).astype(int)
    assert np.abs(pixels[..., 0] - pixels[..., 1]).mean() > 5


def test_the_team_default_reaches_the_preview(reviewer):
    media, _ = stored_image(44, "v4")
    ViewSettings.objects.create(user=None, preview_size=384)
    assert max(preview_as(reviewer, media).size) == 384


def test_pixelate_gives_blocks(reviewer):
    media, _ = stored_image(45, "v5")
    ViewSettings.objects.create(user=reviewer, filter="pixelate")
    image = preview_as(reviewer, media)
    assert image.size == (256, 192)
    pixels = np.asarray(image.convert("L")).astype(int)
    steps = np.abs(np.diff(pixels, axis=1))
    columns = np.arange(steps.shape[1])
    inside, edges = steps[:, columns % 16 != 15], steps[:, columns % 16 == 15]
    assert inside.mean() < 1.0
    assert edges.mean() > 4 * max(inside.mean(), 0.25)
    blurred = np.abs(
        np.diff(
            np.asarray(preview_as(make_user("otto", roles.REVIEWER), media)).astype(int), axis=1
        )
    )
    assert blurred.mean() > inside.mean()


def test_reduced_detail_is_a_grey_drawing_without_the_originals_texture(reviewer):
    media, original = stored_image(48, "v8")
    ViewSettings.objects.create(user=reviewer, filter="reduced", greyscale=False)
    drawing = np.asarray(preview_as(reviewer, media).convert("RGB")).astype(int)
    assert drawing.shape[:2] == (192, 256)
    channels_differ = np.abs(drawing[..., 0] - drawing[..., 1]).max()
    assert channels_differ <= 6  # grey whatever the colour setting: only JPEG noise
    grey = drawing[..., 0]
    outline = grey < 80
    assert 0.005 < outline.mean() < 0.25  # outlines are drawn, but most of it is flat tone
    # Between the outlines (and their JPEG halo) the tones are flat: the original's fine
    # detail (its grid of dots) is gone.
    near = outline.copy()
    for shift in (-2, -1, 1, 2):
        near |= np.roll(outline, shift, axis=0) | np.roll(outline, shift, axis=1)
    flat = np.abs(np.diff(grey, axis=1))[~near[:, 1:] & ~near[:, :-1]]
    sharp = Image.open(io.BytesIO(original)).convert("L").resize((256, 192))
    detail = np.abs(np.diff(np.asarray(sharp).astype(int), axis=1))
    assert flat.mean() < detail.mean() / 3


def test_a_video_keeps_its_stored_keyframe_grid(reviewer):
    media, _ = stored_image(46, "v6")
    media.kind = "video"
    media.save(update_fields=["kind"])
    ViewSettings.objects.create(user=reviewer, preview_size=512, greyscale=False)
    response = signed_in(reviewer).get(f"/media/{media.pk}/preview")
    assert response.content == vault.load(media.preview_vault_name)


def test_styled_previews_are_cached_in_memory(reviewer, monkeypatch):
    media, _ = stored_image(47, "v7")
    style = api.PreviewStyle(edge=512)
    first = api.preview_for(media.pk, style)
    loads = []
    monkeypatch.setattr(vault, "load", lambda name: loads.append(name) or b"")
    assert api.preview_for(media.pk, style) == first
    assert loads == []


def test_the_case_page_shows_previews_at_the_chosen_size(reviewer):
    from casework.cases import filing

    media, _ = stored_image(64, "ext-size")
    case = filing.file_report(media.report_id)
    client = signed_in(reviewer)
    assert 'width="256"' in client.get(f"/cases/{case.pk}/").content.decode()
    ViewSettings.objects.create(user=reviewer, preview_size=512)
    assert 'width="512"' in client.get(f"/cases/{case.pk}/").content.decode()


def test_video_settings_are_saved_resolved_and_audited(reviewer):
    client = signed_in(reviewer)
    assert (settings_for(reviewer).video_playback, settings_for(reviewer).video_audio) == (
        "filtered",
        False,
    )
    assert settings_for(reviewer).keyframes == 9
    values = {"keyframes": "4", "video_playback": "original", "video_audio": "on"}
    assert client.post("/settings/view/", values).status_code == 302
    mine = settings_for(reviewer)
    assert (mine.keyframes, mine.video_playback, mine.video_audio) == (4, "original", True)
    assert not mine.plays_filtered
    event = AuditEvent.objects.get(action="view_settings.changed")
    new = event.data["new"]
    assert (new["keyframes"], new["video_playback"], new["video_audio"]) == (4, "original", True)
    page = client.get("/settings/view/")
    assert b'name="video_playback"' in page.content and b'name="keyframes"' in page.content


@pytest.mark.parametrize(
    "field, value", [("keyframes", "5"), ("video_playback", "loud"), ("video_audio", "maybe")]
)
def test_a_bad_video_setting_is_400_naming_it(reviewer, field, value):
    response = signed_in(reviewer).post("/settings/view/", {field: value})
    assert response.status_code == 400
    assert f"<code>{field}</code>".encode() in response.content


def test_a_zoomed_preview_is_larger_but_as_filtered_and_audited(reviewer):
    media, _ = stored_image(49, "v9")  # 640 x 480
    client = signed_in(reviewer)
    small = Image.open(io.BytesIO(client.get(f"/media/{media.pk}/preview").content))
    answer = client.get(f"/media/{media.pk}/preview?zoom=1")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    zoomed = Image.open(io.BytesIO(answer.content))
    assert (small.size, zoomed.size) == ((256, 192), (640, 480))  # never above the original

    # the blur scaled with the size: no more detail per pixel than the small preview
    def detail(image):
        return np.abs(np.diff(np.asarray(image.convert("L")).astype(int), axis=1)).mean()

    assert detail(zoomed) <= detail(small)
    event = AuditEvent.objects.filter(action="media.preview_viewed").order_by("-id").first()
    assert event.data == {"zoomed": True}
    refused = client.get(f"/media/{media.pk}/preview?zoom=2")
    assert refused.status_code == 400 and refused.json()["field"] == "zoom"
