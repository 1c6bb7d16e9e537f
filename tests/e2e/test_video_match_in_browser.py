"""A video's list match on the case page, in Chromium: the list, both shares, the matched
segment, and the keyframe tiles in it marked under the grid, at 1366 and 390 px, with no
axe-core violation. Screenshots go to /tmp/shots-videomatch/ (outside the repository)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from casework import roles
from casework.cases import filing
from reports import synthetic, vault, vpdq
from reports.matching import record_matches
from reports.models import HashEntry, HashList, Media, MediaVpdq, Platform, Report
from reports.processing import process_bytes
from reports.vpdq_entries import stored
from tests.e2e.browser import assert_accessible, format_violations, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "shots-videomatch"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def video_case():
    """A processed video (preview grid, vPDQ, keyframe times) holding a listed 4 s clip in
    its middle, filed into a case."""
    clip = vpdq.hash_video(synthetic.scenes_video([10, 11, 12, 13]))
    value, frames = stored(vpdq.to_threatexchange(clip))
    listed = HashList.objects.create(name="clips", default_category="A1")
    HashEntry.objects.create(hash_list=listed, kind="vpdq", value=value, frames=frames)
    data = synthetic.scenes_video([1, 2, 3, 10, 11, 12, 13, 4, 5, 6])
    processed = process_bytes(data, "video")
    name, key_id = vault.store(data)
    preview_name, preview_key = vault.store(processed.preview)
    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id="video-1",
        reported_at="2026-11-01T00:00:00Z",
        reason="csam",
        raw_payload={},
        status="processed",
    )
    media = Media.objects.create(
        report=report,
        position=0,
        filename="v.mp4",
        kind="video",
        content_type="video/mp4",
        size=len(data),
        width=320,
        height=240,
        vault_name=name,
        key_id=key_id,
        sha256=processed.sha256,
        md5=processed.md5,
        sha1=processed.sha1,
        preview_vault_name=preview_name,
        preview_key_id=preview_key,
        status="processed",
        vpdq_frames=len(processed.vpdq),
        keyframe_times=processed.keyframe_times,
    )
    MediaVpdq.objects.create(media=media, records=vpdq.to_records(processed.vpdq))
    with override_settings(VPDQ_QUERY_MATCH_PERCENT=30):
        record_matches(media)
    return filing.file_report(report.pk), media


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_video_match_shows_shares_segment_and_marked_tiles(open_tab, width, height):
    case, media = video_case()
    tab = open_tab()
    tab.page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, make_user(f"rev{width}", roles.REVIEWER))
    page = tab.page
    page.goto(f"/cases/{case.pk}/")
    match = page.locator(f'.media-card[data-media="{media.pk}"] .video-match')
    expect(match).to_contain_text("Video match: clips, category A1")
    expect(match).to_contain_text(
        "Frames matched: 40 % of this video's · 100 % of the listed video's"
    )
    expect(match.locator(".segment")).to_have_text("00:03–00:06")
    marked = match.locator("li.in-segment")
    expect(marked).to_have_count(sum(3.0 <= t <= 6.0 for t in media.keyframe_times))
    page.get_by_role("button", name="Show the filtered preview").click()
    expect(page.locator(f'.media-card[data-media="{media.pk}"] img.preview')).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    match.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"video-match-{width}.png"), full_page=False)
    page.locator(f'.media-card[data-media="{media.pk}"]').screenshot(
        path=str(SHOTS / f"video-match-card-{width}.png")
    )
    violations = assert_accessible(tab, f"the case page's video match at {width} px")
    assert not violations["violations"], format_violations(violations["violations"])
    tab.assert_no_errors()
