#!/usr/bin/env python3
"""Casework's two commands, for a fresh machine with Python 3.11+:

    python3 dev.py run    set up, start the embedded database and broker, load demo data,
                          and run the web server, worker and scheduler until Ctrl-C
        --port P          listen on port P (default 8000, or $PORT)
        --host H          listen on address H (default 127.0.0.1; 0.0.0.0 for every one)
        --no-demo         no demo users, token or reports; make the first admin with
                          .venv/bin/python manage.py add_user NAME --role admin
    python3 dev.py test   set up, then run the linters and the whole test suite
        [pytest args]     passed to pytest, e.g. python3 dev.py test -k intake -x

Setup makes .venv from requirements.lock (reinstalled only when the lock changes). The test
command also installs the system packages the tests drive (docker-compose, chromium, npm)
with apt-get when it runs as root, and the locked npm packages (axe-core).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".casework-installed"
# command -> Debian package: compose validates docker/compose.yaml; Chromium runs the
# browser tests (driven by Playwright, which never downloads a browser of its own).
# npm installs axe-core (package-lock.json) for the accessibility checks.
SYSTEM_PACKAGES = {"docker-compose": "docker-compose", "chromium": "chromium", "npm": "npm"}


def say(message: str) -> None:
    print(f"[casework] {message}", flush=True)


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies if the lock changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py may run on an older python3)
        sys.exit("Casework needs Python 3.11 or newer.")
    wanted = hashlib.sha256(
        (ROOT / "requirements.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        say("creating .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    say("installing locked dependencies (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.lock")], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def ensure_system_packages() -> None:
    """Install the Debian packages the tests use, when this user may (root with apt-get)."""
    missing = [pkg for cmd, pkg in SYSTEM_PACKAGES.items() if shutil.which(cmd) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        say(f"cannot install {', '.join(missing)} (needs root and apt-get): those tests will fail")
        return
    say(f"installing {', '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )


def ensure_node_packages() -> None:
    """Install the locked npm packages (axe-core) the browser tests inject into pages."""
    npm = shutil.which("npm")
    if npm is None:
        say("npm is missing: the accessibility tests will fail")
        return
    stamp = ROOT / "node_modules" / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    say("npm ci (axe-core)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)


def run(args: list[str]) -> int:
    ensure_venv()
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "manage.py", "start", *args])  # noqa: S606
    return 0  # not reached


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_system_packages()
    ensure_node_packages()
    os.chdir(ROOT)
    bin_dir = VENV / "bin"
    for step in (
        [str(bin_dir / "ruff"), "check", "."],
        [str(bin_dir / "ruff"), "format", "--check", "."],
    ):
        say(" ".join(["ruff", *step[1:]]))
        if subprocess.run(step).returncode != 0:
            return 1
    say("pytest")
    code = subprocess.run([str(PYTHON), "-m", "pytest", *args]).returncode
    if code == 5:
        say("pytest collected no tests: that is a failure here")
        return 1
    return code


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) >= 2 and sys.argv[1] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
