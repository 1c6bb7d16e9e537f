"""Video playback in Chromium: nothing of the video is fetched until "Play video" is
pressed; it then plays muted from a blob, filtered, at the chosen speed, with our own
buttons; marking start and end fills the segment field; the original (when chosen) is
hidden again after the re-blur time and the page reports it. axe-core finds no violation.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, ViewSettings
from reports import synthetic
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user, stored_video

pytestmark = pytest.mark.django_db(transaction=True)

PLAYING = """() => {
    const v = document.querySelector(".player video");
    return v.src.startsWith("blob:") && v.currentTime > 0.3 && !v.paused;
}"""


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


@pytest.fixture
def video_case(transactional_db):
    data = synthetic.video_bytes(81, seconds=12.0, size=(640, 480))
    media, _ = stored_video(81, "ext-81", data=data)
    return filing.file_report(media.report_id), media


def test_a_video_plays_only_on_request_muted_filtered_and_at_speed(video_case, open_tab):
    case, media = video_case
    reviewer = make_user("rev", roles.REVIEWER)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    plays = []
    page.on("request", lambda r: plays.append(r.url) if "/play" in r.url else None)
    sign_in(tab, reviewer)
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.keyboard.press("n")
    player = page.locator(f'[data-player-for="{media.pk}"]')
    expect(player).to_be_hidden()
    page.wait_for_timeout(500)
    assert plays == [] and not AuditEvent.objects.filter(action="media.played").exists()
    assert_no_violations(tab, "the case page with a video")

    page.get_by_role("button", name="Play video").click()
    page.wait_for_function(PLAYING)
    assert len(plays) == 1
    video = player.locator("video")
    assert video.evaluate("v => v.muted && !v.controls") is True
    expect(player.locator(".player-state")).to_have_text("Filtered, low resolution")
    assert video.evaluate("v => v.videoWidth") == 320  # the low-resolution stream
    page.get_by_label("Speed").select_option("2")
    assert video.evaluate("v => v.playbackRate") == 2
    page.get_by_role("button", name="Forward 5 s").click()
    assert video.evaluate("v => v.currentTime") >= 5
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Mark end").click()
    page.get_by_role("button", name="Back 5 s").click()
    page.get_by_role("button", name="Mark start").click()
    segment = page.get_by_label("Segment that matters")
    start, end = (float(n) for n in segment.input_value().split("-"))
    assert 0 <= start < end and end - start == pytest.approx(5, abs=0.2)
    assert AuditEvent.objects.filter(action="media.played").count() == 1
    assert_no_violations(tab, "the case page playing a video")
    screenshot(tab, "video-playing-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(tab, "video-playing-390")
    assert_no_violations(tab, "the case page playing a video at 390 px")
    page.get_by_role("button", name="Stop video").click()
    expect(player).to_be_hidden()
    assert not AuditEvent.objects.filter(action="media.reblurred").exists()  # filtered
    tab.assert_no_errors()


def test_the_original_is_hidden_again_after_the_reblur_time(video_case, open_tab):
    case, media = video_case
    reviewer = make_user("rev", roles.REVIEWER)
    ViewSettings.objects.create(user=reviewer, video_playback="original", reveal_seconds=5)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.keyboard.press("n")
    # the button says that pressing it shows the original
    expect(page.get_by_role("button", name="Play video")).to_have_count(0)
    screenshot(tab, "video-original-button-1366")
    page.get_by_role("button", name="Reveal and play original").click()
    page.wait_for_function(PLAYING)
    player = page.locator(f'[data-player-for="{media.pk}"]')
    expect(player.locator(".player-state")).to_contain_text("recorded in the audit log")
    assert player.locator("video").evaluate("v => v.videoWidth") == 640
    screenshot(tab, "video-original-1366")
    expect(player).to_be_hidden(timeout=9_000)
    assert player.locator("video").evaluate("v => v.src") == ""  # the blob revoked, let go
    for _ in range(50):
        if AuditEvent.objects.filter(action="media.reblurred").exists():
            break
        page.wait_for_timeout(100)
    event = AuditEvent.objects.get(action="media.reblurred")
    assert event.data["cause"] == "timer" and 4.5 <= event.data["seconds"] <= 6.5, event.data
    revealed = AuditEvent.objects.get(action="media.revealed")
    assert revealed.data["playback"] is True
    expect(page.get_by_role("button", name="Reveal and play original")).to_be_visible()
    tab.assert_no_errors()


def test_the_video_preset_page(open_tab):
    reviewer = make_user("rev", roles.REVIEWER)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)
    page.goto("/settings/view/")
    page.get_by_role("link", name="videos").click()
    page.get_by_label("Filter").select_option("pixelate")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your preset is saved.")).to_be_visible()
    assert ViewSettings.objects.get(user=reviewer, scope="video").filter == "pixelate"
    assert_no_violations(tab, "the video preset page")
    screenshot(tab, "video-preset-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(tab, "video-preset-390")
    assert_no_violations(tab, "the video preset page at 390 px")
    tab.assert_no_errors()
