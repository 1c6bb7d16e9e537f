"""The reviewer's day in a real browser (Debian's Chromium through Playwright), by keyboard:
sign in, claim with `n`, look at the blurred preview, open and close the help, reveal on
purpose with Shift+R, classify with 1 / q / a / g, decide with Ctrl+Enter; then an escalation
lead signs in with password and TOTP and approves with Shift+A. Screenshots go to
var/screenshots/. axe-core checks the queue and case pages for accessibility."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from casework import roles
from casework.cases import decisions
from casework.models import AuditEvent, Case
from tests.e2e.browser import assert_accessible, format_violations, screenshot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

# Draws the image on a canvas: its size and how far any pixel is from grey (0 for greyscale).
IMAGE_STATS = """(img) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext("2d");
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let chroma = 0;
    for (let i = 0; i < d.length; i += 4) {
        chroma = Math.max(chroma, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
    }
    return {width: img.naturalWidth, height: img.naturalHeight, chroma: chroma};
}"""
IMAGE_LOADED = """() => {
    const img = document.querySelector("img.preview");
    return img.complete && img.naturalWidth > 0;
}"""


def assert_no_original(html: bytes, original: bytes) -> None:
    assert original not in html
    assert base64.b64encode(original)[:200] not in html
    assert original[:64].hex().encode() not in html


def claim_with_n(tab, case_pk: int) -> bytes:
    """Press `n` on the queue page; return the raw bytes of the case page it lands on."""
    page = tab.page
    shortcut = page.locator("button[data-shortcut=n]")
    expect(shortcut).to_have_count(1)
    claims_from = shortcut.evaluate("b => new URL(b.form.action).pathname")
    assert claims_from == "/queues/csam/next", (
        f"`n` claims from {claims_from}, not from the CSAM queue that holds the case: the "
        "queue page puts `n` on its first row, so the rows must come in queue order"
    )
    with page.expect_response(
        lambda r: r.request.method == "GET" and r.url.endswith(f"/cases/{case_pk}/")
    ) as landed:
        page.keyboard.press("n")
    page.wait_for_url(f"**/cases/{case_pk}/")
    page.wait_for_function(IMAGE_LOADED)
    assert landed.value.status == 200
    return landed.value.body()


def test_review_claim_reveal_decide_and_approve_by_keyboard(seeded_case, open_tab):
    case, media, original = seeded_case
    reviewer = make_user("rev", roles.REVIEWER)
    lead = make_user("lead", roles.ESCALATION_LEAD)

    # --- the reviewer -------------------------------------------------------------------
    tab = open_tab()
    page = tab.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    sign_in(tab, reviewer)
    expect(page.locator("button[data-shortcut=n]")).to_be_visible()
    screenshot(tab, "01-queues")

    body = claim_with_n(tab, case.pk)
    case.refresh_from_db()
    assert (case.status, case.holder_id) == ("in_review", reviewer.pk)

    # blurred preview only: the server's preview URL, small and grey; no original anywhere
    preview = page.locator(f'.media-card[data-media="{media.pk}"] img.preview')
    assert preview.get_attribute("src") == f"/media/{media.pk}/preview"
    stats = preview.evaluate(IMAGE_STATS)
    assert stats["width"] <= 256 and stats["height"] <= 256, stats
    assert stats["chroma"] <= 8, f"the preview is not greyscale: {stats}"
    assert_no_original(body, original)
    assert_no_original(page.content().encode(), original)
    assert not [r for r in requests if "/reveal" in r], requests
    assert not AuditEvent.objects.filter(action="media.revealed").exists()
    screenshot(tab, "02-case-blurred")

    # `?` opens the help overlay, Escape closes it
    help_dialog = page.locator("dialog#help")
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    assert help_dialog.evaluate("d => d.open")
    screenshot(tab, "03-help-overlay", full_page=False)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert not help_dialog.evaluate("d => d.open")

    # Shift+R reveals the selected item in place, from a blob: URL, and is audited
    with page.expect_response(lambda r: r.url.endswith(f"/media/{media.pk}/reveal")) as got:
        page.keyboard.press("Shift+R")
    assert got.value.status == 200 and got.value.request.method == "POST"
    page.wait_for_function(
        """() => {
            const img = document.querySelector("img.preview");
            return img.src.startsWith("blob:") && img.complete && img.naturalWidth > 0;
        }"""
    )
    assert preview.get_attribute("src").startswith("blob:")
    stats = preview.evaluate(IMAGE_STATS)
    assert (stats["width"], stats["height"]) == (640, 480), stats
    assert stats["chroma"] > 50, f"the revealed original should be in colour: {stats}"
    card = page.locator(f'.media-card[data-media="{media.pk}"]')
    assert "revealed" in card.get_attribute("class").split()
    event = AuditEvent.objects.get(action="media.revealed")
    assert (event.actor, event.target) == ("user:rev", f"media:{media.pk}")
    screenshot(tab, "04-case-revealed")

    # classify and decide with the keyboard alone
    for key in ("1", "q", "a", "g"):
        page.keyboard.press(key)
    form = page.locator("#decision-form")
    assert form.locator("input[name=verdict]:checked").get_attribute("value") == "csam_confirmed"
    assert page.input_value(f"#industry-{media.pk}") == "A1"
    assert page.input_value(f"#iwf-{media.pk}") == "A"
    assert page.locator(f'input[name="annotations-{media.pk}"][value="generativeAi"]').is_checked()
    screenshot(tab, "05-case-decision-filled")
    with page.expect_navigation(url="**/queues/"):
        page.keyboard.press("Control+Enter")
    expect(page.get_by_text(f"Decision recorded on case {case.pk}.")).to_be_visible()
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    assert case.decisions.get().media_labels == {
        str(media.pk): {"industry": "A1", "iwf": "A", "annotations": ["generativeAi"]}
    }
    screenshot(tab, "06-queues-after-decision")
    tab.assert_no_errors()

    # --- the escalation lead: password, TOTP, Shift+A ----------------------------------
    lead_tab = open_tab()
    lead_page = lead_tab.page
    sign_in(lead_tab, lead)
    response = lead_page.goto(f"/cases/{case.pk}/")
    assert_no_original(response.body(), original)
    lead_page.wait_for_function(IMAGE_LOADED)
    expect(lead_page.locator("section.approval")).to_be_visible()
    assert lead_page.locator("img.preview").get_attribute("src") == f"/media/{media.pk}/preview"
    screenshot(lead_tab, "07-approval")
    with lead_page.expect_navigation(url=f"**/cases/{case.pk}/"):
        lead_page.keyboard.press("Shift+A")
    expect(lead_page.get_by_text(f"Case {case.pk} approved.")).to_be_visible()
    screenshot(lead_tab, "08-approved")
    lead_tab.assert_no_errors()

    case.refresh_from_db()
    assert case.status == Case.Status.APPROVED == "approved"
    logged = list(
        AuditEvent.objects.filter(target__in=[f"case:{case.pk}", f"media:{media.pk}"])
        .order_by("pk")
        .values_list("action", "actor")
    )
    wanted = [
        ("case.claimed", "user:rev"),
        ("media.revealed", "user:rev"),
        ("case.decided", "user:rev"),
        ("case.approved", "user:lead"),
    ]
    assert [e for e in logged if e in wanted] == wanted, logged
    assert AuditEvent.objects.filter(
        action="login.second_factor", actor="user:lead", target="user:lead"
    ).exists()


def test_queue_and_case_pages_have_no_serious_accessibility_violations(seeded_case, open_tab):
    case, _, _ = seeded_case
    reviewer = make_user("rev", roles.REVIEWER)
    lead = make_user("lead", roles.ESCALATION_LEAD)
    found: dict[str, dict[str, list[dict]]] = {}

    tab = open_tab()
    sign_in(tab, reviewer)
    found["queue page (reviewer)"] = assert_accessible(tab, "the queue page (reviewer)")
    claim_with_n(tab, case.pk)
    found["case page (reviewer holding)"] = assert_accessible(
        tab, "the case page (reviewer holding the case)"
    )
    tab.page.keyboard.press("?")
    expect(tab.page.locator("dialog#help")).to_be_visible()
    found["case page, help open"] = assert_accessible(tab, "the case page with the help open")
    tab.page.keyboard.press("Escape")
    tab.assert_no_errors()

    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="csam_confirmed")
    lead_tab = open_tab()
    sign_in(lead_tab, lead)
    found["queue page (lead)"] = assert_accessible(lead_tab, "the queue page (lead)")
    lead_tab.page.goto(f"/cases/{case.pk}/")
    expect(lead_tab.page.locator("section.approval")).to_be_visible()
    found["case page (lead, approval)"] = assert_accessible(
        lead_tab, "the case page's approval view (lead)"
    )
    lead_tab.assert_no_errors()

    # minor and moderate findings do not fail the test; they are printed (pytest -s)
    for where, result in found.items():
        print(f"axe on the {where}: violations:\n{format_violations(result['violations'])}")
        print(f"  needs a person's check:\n{format_violations(result['incomplete'])}")
