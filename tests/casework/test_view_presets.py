"""Per-category presets: a reviewer (or the team) may want a stronger filter for videos, or
for items matched in category A, than for the rest. A preset sets blur, colour and filter
over the settings for everything; the user's own preset over the team's; saved and audited;
applied to previews of category A images and to filtered video playback."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import filing
from casework.cases.view_settings import scopes_of, settings_for
from casework.models import AuditEvent, ViewSettings
from reports import vault
from reports.models import HashEntry, HashList, MediaMatch
from tests.helpers import make_user, signed_in, stored_image, stored_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return make_user("rhea", roles.REVIEWER)


def match(media, category: str) -> None:
    hash_list, _ = HashList.objects.get_or_create(name="Known", default_category="")
    entry = HashEntry.objects.create(
        hash_list=hash_list, kind="sha256", value=media.sha256, category=category
    )
    MediaMatch.objects.create(media=media, entry=entry, distance=0)


def test_scopes_of_an_item():
    assert scopes_of("image", "") == ()
    assert scopes_of("video", "B1") == ("video",)
    assert scopes_of("image", "A1") == ("category_a",)
    assert scopes_of("video", "A") == ("video", "category_a")


def test_a_preset_is_over_the_settings_for_everything_and_the_own_over_the_teams(reviewer):
    ViewSettings.objects.create(user=reviewer, blur="light", preview_size=512)
    ViewSettings.objects.create(user=None, scope="video", blur="medium", filter="pixelate")
    ViewSettings.objects.create(user=reviewer, scope="video", blur="strong")
    ViewSettings.objects.create(user=None, scope="category_a", filter="reduced")
    everything = settings_for(reviewer)
    assert (everything.blur, everything.filter) == ("light", "blur")
    video = settings_for(reviewer, ("video",))
    assert (video.blur, video.filter, video.preview_size) == ("strong", "pixelate", 512)
    both = settings_for(reviewer, ("video", "category_a"))
    assert (both.blur, both.filter) == ("strong", "reduced")
    other = settings_for(make_user("otto", roles.REVIEWER), ("video",))
    assert (other.blur, other.filter) == ("medium", "pixelate")


def test_a_preset_sets_only_blur_colour_and_filter(reviewer):
    ViewSettings.objects.create(user=reviewer, scope="video", reveal_seconds=60, keyframes=16)
    video = settings_for(reviewer, ("video",))
    assert (video.reveal_seconds, video.keyframes) == (10, 9)


def test_own_preset_page_saves_and_audits(reviewer):
    client = signed_in(reviewer)
    page = client.get("/settings/view/")
    assert b'href="/settings/view/video/"' in page.content
    assert b'href="/settings/view/category-a/"' in page.content
    assert client.get("/settings/view/video/").status_code == 200
    saved = client.post("/settings/view/video/", {"blur": "strong", "filter": "pixelate"})
    assert saved.status_code == 302 and saved["Location"] == "/settings/view/video/"
    row = ViewSettings.objects.get(user=reviewer, scope="video")
    assert (row.blur, row.filter, row.greyscale) == ("strong", "pixelate", None)
    assert not ViewSettings.objects.filter(user=reviewer, scope="").exists()
    event = AuditEvent.objects.get(action="view_settings.changed")
    assert event.data["scope"] == "video" and event.data["new"]["filter"] == "pixelate"
    assert client.get("/settings/view/nothing/").status_code == 404
    bad = client.post("/settings/view/video/", {"filter": "smudge"})
    assert bad.status_code == 400 and b"<code>filter</code>" in bad.content


def test_team_preset_page_is_for_leads(reviewer):
    assert signed_in(reviewer).get("/settings/team/category-a/").status_code == 403
    lead = signed_in(make_user("lena", roles.ESCALATION_LEAD))
    assert lead.post("/settings/team/category-a/", {"filter": "reduced"}).status_code == 302
    assert ViewSettings.objects.get(user=None, scope="category_a").filter == "reduced"
    event = AuditEvent.objects.get(action="team_view_settings.changed")
    assert event.data["scope"] == "category_a"
    assert settings_for(reviewer, ("category_a",)).filter == "reduced"


def test_a_category_a_image_is_previewed_in_its_preset(reviewer):
    plain, _ = stored_image(91, "ext-91")
    severe, _ = stored_image(92, "ext-92")
    match(severe, "A1")
    ViewSettings.objects.create(user=reviewer, scope="category_a", filter="pixelate")
    client = signed_in(reviewer)
    assert client.get(f"/media/{plain.pk}/preview").content == vault.load(plain.preview_vault_name)
    styled = client.get(f"/media/{severe.pk}/preview").content
    assert styled != vault.load(severe.preview_vault_name)  # made in the preset's style


def test_filtered_playback_takes_the_video_preset(reviewer):
    media, _ = stored_video(93, "ext-93")
    case = filing.file_report(media.report_id)
    ViewSettings.objects.create(user=reviewer, blur="light")
    ViewSettings.objects.create(user=reviewer, scope="video", blur="strong", filter="reduced")
    client = signed_in(reviewer)
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{case.pk}/"
    assert client.post(f"/cases/{case.pk}/media/{media.pk}/play").status_code == 200
    style = AuditEvent.objects.get(action="media.played").data["style"]
    assert style == {"filter": "reduced", "blur": "strong", "greyscale": True}
