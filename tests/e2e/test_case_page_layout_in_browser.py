"""The case page built for the work (issue 14), in Chromium: two columns at 1366 px with the
decision panel held in view, one column without sideways scrolling at 390 px, and the viewer
that enlarges a revealed original (z, zoom, pan, Esc), audited. Screenshots go to
/tmp/shots-casepage/ (outside the repository)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.models import AuditEvent
from tests.e2e.browser import assert_accessible, format_violations, sign_in
from tests.e2e.test_review_in_browser import claim_with_n
from tests.helpers import make_user

NO_ORIGINAL_IN_VIEWER = "() => !document.querySelector('dialog#viewer img').hasAttribute('src')"

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "shots-casepage"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
BOX = """(el) => {
    const b = el.getBoundingClientRect();
    return {x: b.x, y: b.y, w: b.width, h: b.height};
}"""


def shoot(tab, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def claimed_case_page(open_tab, seeded_case, width: int, height: int, name: str):
    case, media, _ = seeded_case
    tab = open_tab()
    tab.page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, make_user(name, roles.REVIEWER))
    claim_with_n(tab, case.pk)
    return tab, case, media


def assert_no_violations(tab, where: str) -> None:
    violations = assert_accessible(tab, where)["violations"]
    assert not violations, f"axe-core on {where}:\n" + format_violations(violations)


def test_two_columns_at_1366_with_the_decision_panel_in_view(seeded_case, open_tab):
    tab, _, media = claimed_case_page(open_tab, seeded_case, 1366, 768, "wide-rev")
    page = tab.page
    card = page.locator(f'.media-card[data-media="{media.pk}"]')
    figure = card.locator("figure").evaluate(BOX)
    labels = card.locator("fieldset.labels").evaluate(BOX)
    panel = page.locator("section.decision-panel").evaluate(BOX)
    column = page.locator("section.media-column").evaluate(BOX)
    assert column["x"] + column["w"] <= panel["x"], (column, panel)
    assert figure["x"] + figure["w"] <= labels["x"], "the labels sit beside their media"
    assert abs(labels["y"] - figure["y"]) < 80, (figure, labels)
    assert page.evaluate(OVERFLOW) <= 0
    shoot(tab, "case-1366")
    assert_no_violations(tab, "the case page at 1366 px")

    # scrolled down the media column, the verdict and the record button stay on screen
    page.evaluate(
        "() => { const m = document.querySelector('section.media-column');"
        " m.style.paddingBottom = '150vh'; window.scrollBy(0, window.innerHeight); }"
    )
    panel = page.locator("section.decision-panel").evaluate(BOX)
    assert 0 <= panel["y"] <= 32, panel
    expect(page.get_by_role("button", name="Record decision")).to_be_in_viewport()
    shoot(tab, "case-1366-scrolled", full_page=False)
    tab.assert_no_errors()


def test_one_column_without_sideways_scrolling_at_390(seeded_case, open_tab):
    tab, _, media = claimed_case_page(open_tab, seeded_case, 390, 844, "phone-rev")
    page = tab.page
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    column = page.locator("section.media-column").evaluate(BOX)
    panel = page.locator("section.decision-panel").evaluate(BOX)
    assert panel["y"] >= column["y"] + column["h"] - 1, "the panel comes after the media"
    shoot(tab, "case-390")
    assert_no_violations(tab, "the case page at 390 px")
    tab.assert_no_errors()


def test_viewer_enlarges_a_revealed_original_zooms_pans_and_is_audited(seeded_case, open_tab):
    tab, case, media = claimed_case_page(open_tab, seeded_case, 1366, 768, "viewer-rev")
    page = tab.page
    viewer = page.locator("dialog#viewer")

    enlarge = page.get_by_role("button", name="Enlarge")
    expect(enlarge).to_be_hidden()
    page.keyboard.press("z")  # nothing revealed yet: no viewer, nothing recorded
    expect(viewer).to_be_hidden()
    assert not AuditEvent.objects.filter(action="media.enlarged").exists()

    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    with page.expect_response(lambda r: r.url.endswith(f"/media/{media.pk}/reveal")):
        page.keyboard.press("Shift+R")
    page.wait_for_function("() => document.querySelector('img.preview').src.startsWith('blob:')")
    expect(enlarge).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/media/{media.pk}/enlarged")) as got:
        page.keyboard.press("z")
    assert got.value.status == 204
    expect(viewer).to_be_visible()
    image = viewer.locator("img")
    page.wait_for_function("() => document.getElementById('viewer-img').naturalWidth > 0")
    assert image.get_attribute("src") == page.locator("img.preview").get_attribute("src")
    assert [r for r in requests if "/reveal" in r] == [
        f"POST {page.url.split('/cases/')[0]}/cases/{case.pk}/media/{media.pk}/reveal"
    ], "the viewer must not fetch the original again"
    event = AuditEvent.objects.get(action="media.enlarged")
    assert (event.actor, event.target) == ("user:viewer-rev", f"media:{media.pk}")

    fitted = image.evaluate(BOX)
    assert fitted["w"] > 2 * 256, f"the viewer should show it far larger than the card: {fitted}"
    assert_no_violations(tab, "the case page with the viewer open")
    shoot(tab, "viewer-open", full_page=False)

    page.get_by_role("button", name="Zoom in").click()
    zoomed = image.evaluate(BOX)
    assert zoomed["w"] == pytest.approx(fitted["w"] * 1.25, rel=0.01)
    stage = viewer.locator(".viewer-stage").evaluate(BOX)
    page.mouse.move(stage["x"] + stage["w"] / 2, stage["y"] + stage["h"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(100)
    wheeled = image.evaluate(BOX)
    assert wheeled["w"] > zoomed["w"] * 1.2, (zoomed, wheeled)
    page.keyboard.press("-")
    assert image.evaluate(BOX)["w"] < wheeled["w"]

    before = image.evaluate(BOX)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["w"] / 2 - 120, stage["y"] + stage["h"] / 2 - 70, steps=5)
    page.mouse.up()
    after = image.evaluate(BOX)
    assert (after["x"] - before["x"], after["y"] - before["y"]) == (
        pytest.approx(-120, abs=2),
        pytest.approx(-70, abs=2),
    )
    shoot(tab, "viewer-zoomed-panned", full_page=False)

    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    # The dialog's close event, which drops the original, comes a task after it hides.
    page.wait_for_function(NO_ORIGINAL_IN_VIEWER)  # the closed viewer keeps no original

    # re-blurring the card (Hide original) while the viewer is open closes the viewer
    page.keyboard.press("z")
    expect(viewer).to_be_visible()
    page.evaluate("() => document.querySelector('form[data-reveal]').requestSubmit()")
    expect(viewer).to_be_hidden()
    page.wait_for_function(NO_ORIGINAL_IN_VIEWER)
    expect(enlarge).to_be_hidden()
    assert AuditEvent.objects.filter(action="media.enlarged").count() == 2
    tab.assert_no_errors()
