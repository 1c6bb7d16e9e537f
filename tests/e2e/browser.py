"""Helpers for the browser tests: Debian's Chromium, one browser context per person,
signing in, screenshots and axe-core. Fixtures are in conftest.py beside this file."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

from tests.helpers import PASSWORD, current_code

ROOT = Path(settings.BASE_DIR)
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, and
# this machine's closed network refuses those connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}). Run `python3 dev.py test`, which installs "
            "Debian's chromium package with apt-get (as root); or `apt-get install chromium`.",
            pytrace=False,
        )


def axe_source() -> str:
    """axe-core from npm (package.json / package-lock.json at the repository root)."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT.read_text(encoding="utf-8")
    if shutil.which("npm") is None:
        pytest.fail(
            "axe-core is not installed and npm is missing: install Node.js and npm, then run "
            "`npm ci` at the repository root (`python3 dev.py test` does that step).",
            pytrace=False,
        )
    pytest.fail(
        f"axe-core is not installed ({AXE_SCRIPT.relative_to(ROOT)} missing): run `npm ci` "
        "at the repository root (`python3 dev.py test` does that step).",
        pytrace=False,
    )


@dataclass
class Tab:
    """One person's browser: its own context (cookies), one page, and the errors it logged."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert not self.errors, "the browser logged errors:\n" + "\n".join(self.errors)


def sign_in(tab: Tab, user) -> None:
    """Password at /accounts/login/, then the TOTP step for users with a device. Call once
    per user: django-otp refuses a code already used in the same 30 s step."""
    page = tab.page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    if "/accounts/otp/" in page.url:
        page.fill("input[name=otp_token]", current_code(user))
        with page.expect_navigation():
            page.press("input[name=otp_token]", "Enter")
    assert page.url.endswith("/queues/"), f"sign-in of {user} ended at {page.url}"


def screenshot(tab: Tab, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.page.screenshot(path=str(path), full_page=full_page)
    return path


def screenshot_of(tab: Tab, selector: str, name: str) -> Path:
    """One part of the page (its element's box), where the whole page would bury it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.page.locator(selector).screenshot(path=str(path))
    return path


def axe_run(tab: Tab) -> dict[str, list[dict]]:
    """Run axe-core on the page as it is now: every violation (any impact), and the checks
    axe could not decide by itself ("incomplete": a person should look).

    The page's CSP (`script-src 'self'`) refuses page.add_script_tag (content= and path=
    both inject an inline <script>). page.evaluate runs through the DevTools protocol, which
    the CSP does not govern, so axe goes in that way and the CSP stays on (no bypass_csp)."""
    page = tab.page
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
            const brief = (list) => list.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), html: n.html.slice(0, 200),
                    summary: n.failureSummary || "",
                })),
            }));
            return {violations: brief(result.violations), incomplete: brief(result.incomplete)};
        }"""
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}: {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines) or "(none)"


def assert_accessible(tab: Tab, where: str) -> dict[str, list[dict]]:
    """No serious or critical axe violation; the message lists every violation found."""
    found = axe_run(tab)
    violations = found["violations"]
    grave = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not grave, (
        f"axe-core found serious or critical violations on {where} ({tab.page.url}); "
        "all violations:\n" + format_violations(violations)
    )
    return found
