"""Reveal timing and warnings in Chromium: an item a hash list puts in category A1 shows a
warning and no preview until asked; its reveal counts down and blurs again on its own after
the reviewer's chosen time, and the page reports the seconds it was shown (audited); a
manual hide reports too. axe-core finds no violation. Screenshots go to var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, ViewSettings
from reports.models import HashEntry, HashList, MediaMatch
from tests.e2e.browser import axe_run, format_violations, screenshot, sign_in
from tests.helpers import make_user, stored_image

pytestmark = pytest.mark.django_db(transaction=True)

PREVIEW_SHOWN = """() => {
    const img = document.querySelector("img.preview");
    return !img.hidden && img.complete && img.naturalWidth > 0 && !img.src.startsWith("blob:");
}"""
REVEALED = """() => document.querySelector("img.preview").src.startsWith("blob:")"""


def assert_no_violations(tab, where: str) -> None:
    violations = axe_run(tab)["violations"]
    assert violations == [], f"axe-core on {where}:\n" + format_violations(violations)


@pytest.fixture
def warned_case(transactional_db):
    media, _ = stored_image(71, "ext-71")
    hash_list = HashList.objects.create(name="Known-A", default_category="A1")
    entry = HashEntry.objects.create(
        hash_list=hash_list, kind="sha256", value=media.sha256, category="A1"
    )
    MediaMatch.objects.create(media=media, entry=entry, distance=0)
    return filing.file_report(media.report_id), media


def reblurs():
    return list(
        AuditEvent.objects.filter(action="media.reblurred")
        .order_by("pk")
        .values_list("data", flat=True)
    )


def reblurs_once_there(page, count: int) -> list[dict]:
    """The re-blur events, once the page's beacon brought the count-th (5 s at most)."""
    for _ in range(50):
        if len(found := reblurs()) >= count:
            return found
        page.wait_for_timeout(100)
    return reblurs()


def test_a_warned_item_then_a_reveal_that_blurs_again_by_itself(warned_case, open_tab):
    case, media = warned_case
    reviewer = make_user("rev", roles.REVIEWER)
    ViewSettings.objects.create(user=reviewer, reveal_seconds=5)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.keyboard.press("n")

    warning = page.locator(f'[data-warning-for="{media.pk}"]')
    expect(warning).to_contain_text("category A1")
    assert page.locator("img.preview").get_attribute("src") is None
    reveal = page.get_by_role("button", name="Reveal original")
    expect(reveal).to_be_disabled()
    page.keyboard.press("Shift+R")  # the shortcut waits for the warning too
    assert not AuditEvent.objects.filter(action="media.revealed").exists()
    assert_no_violations(tab, "the case page with a warning")
    screenshot(tab, "reveal-warning-1366")

    page.get_by_role("button", name="Show the filtered preview").click()
    page.wait_for_function(PREVIEW_SHOWN)
    expect(warning).to_have_count(0)
    expect(reveal).to_be_enabled()

    reveal.click()
    page.wait_for_function(REVEALED)
    badge = page.locator(".revealed-badge")
    expect(badge).to_contain_text("blurred again in")
    screenshot(tab, "reveal-countdown-1366")
    page.wait_for_function(PREVIEW_SHOWN, timeout=9_000)  # 5 s, then blurred again
    expect(badge).to_be_hidden()
    [timed] = reblurs_once_there(page, 1)
    assert timed["cause"] == "timer" and 4.5 <= timed["seconds"] <= 6.5, timed

    page.get_by_role("button", name="Reveal original").click()
    page.wait_for_function(REVEALED)
    page.get_by_role("button", name="Hide original").click()
    page.wait_for_function(PREVIEW_SHOWN)
    assert reblurs_once_there(page, 2)[1]["cause"] == "manual"
    assert AuditEvent.objects.filter(action="media.revealed").count() == 2

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(tab, "reveal-after-390")
    assert_no_violations(tab, "the case page at 390 px")
    tab.assert_no_errors()


# How far from grey the pixels are, inside the middle of the image and near its corners.
CHROMA_INSIDE_AND_OUT = """(img) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext("2d");
    g.drawImage(img, 0, 0);
    const chroma = (x, y, w, h) => {
        const d = g.getImageData(x, y, w, h).data;
        let most = 0;
        for (let i = 0; i < d.length; i += 4) {
            most = Math.max(most, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
        }
        return most;
    };
    const w = canvas.width, h = canvas.height;
    return {
        size: [w, h],
        inside: chroma(w * 0.3, h * 0.3, w * 0.4, h * 0.4),
        corner: chroma(0, 0, w * 0.15, h * 0.15),
    };
}"""


def test_a_dragged_rectangle_reveals_only_that_region(open_tab, transactional_db):
    media, _ = stored_image(72, "ext-72")
    case = filing.file_report(media.report_id)
    reviewer = make_user("rev", roles.REVIEWER)
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(tab, reviewer)
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.keyboard.press("n")
    page.wait_for_function(PREVIEW_SHOWN)

    # zooming the filtered preview reveals nothing: a larger filtered copy, in the viewer
    page.get_by_role("button", name="Zoom the filtered preview").click()
    zoomed = page.locator("#viewer-img")
    expect(zoomed).to_have_attribute("src", f"/media/{media.pk}/preview?zoom=1")
    page.wait_for_function("() => document.getElementById('viewer-img').naturalWidth === 640")
    screenshot(tab, "zoom-filtered-1366", full_page=False)
    page.keyboard.press("Escape")
    assert not AuditEvent.objects.filter(action="media.revealed").exists()

    box = page.locator("img.preview").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=4)
    page.mouse.up()
    field = page.get_by_label("Region")
    x, y, w, h = (int(v) for v in field.input_value().split(","))
    assert abs(x - 160) <= 3 and abs(y - 120) <= 3 and abs(w - 320) <= 4 and abs(h - 240) <= 4
    expect(page.locator(".region-box")).to_be_visible()
    screenshot(tab, "region-chosen-1366")

    page.get_by_role("button", name="Reveal region").click()
    page.wait_for_function(REVEALED)
    page.wait_for_function("() => document.querySelector('img.preview').naturalWidth > 0")
    stats = page.locator("img.preview").evaluate(CHROMA_INSIDE_AND_OUT)
    assert stats["inside"] > 50 and stats["corner"] <= 12, stats
    event = AuditEvent.objects.get(action="media.revealed")
    assert event.data["region"] == [x, y, w, h]
    expect(page.get_by_role("button", name="Hide region")).to_be_visible()
    expect(page.locator(".region-box")).to_be_hidden()
    assert_no_violations(tab, "the case page with a region revealed")
    screenshot(tab, "region-revealed-1366")
    tab.assert_no_errors()
