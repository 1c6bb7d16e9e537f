"""The layout holds: casework reaches reports only through its one door, and no module
grows past what one reader takes in."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What casework may import of reports; only urls.py may also mount the intake API.
DOOR = {"reports.api", "reports.signals"}
URLS_ONLY = {"reports.intake_api"}
MAX_LINES = 400


def reports_modules_imported(path: Path) -> set[str]:
    """The reports modules a file imports, in any form, at any depth of the file."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "reports":
            modules |= {f"reports.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return {m for m in modules if m == "reports" or m.startswith("reports.")}


def test_casework_imports_reports_only_through_its_door():
    wrong = {}
    for path in (ROOT / "casework").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        allowed = DOOR | (URLS_ONLY if path == ROOT / "casework" / "urls.py" else set())
        stray = reports_modules_imported(path) - allowed
        if stray:
            wrong[str(path.relative_to(ROOT))] = sorted(stray)
    assert not wrong, f"casework imports reports behind reports.api's back: {wrong}"


def test_the_import_walk_sees_every_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import reports\n"
        "import reports.vault\n"
        "from reports import selectors, api\n"
        "from reports.metadata import read_metadata\n"
        "from reports.api import VaultError\n"
        "import django.db\n"
        "def f():\n    from reports.models import Report\n"
    )
    assert reports_modules_imported(sample) == {
        "reports",
        "reports.vault",
        "reports.selectors",
        "reports.api",
        "reports.metadata",
        "reports.models",
    }


def test_no_module_is_over_400_lines():
    sources = [
        p
        for folder in ("casework", "reports", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts
    ] + [ROOT / "dev.py", ROOT / "manage.py"]
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these by concern: {long}"
