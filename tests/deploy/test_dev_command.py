"""`python3 dev.py`: its help lists every option and exits 0; a wrong command exits 2."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

DEV = settings.BASE_DIR / "dev.py"


def test_help_lists_the_run_options_and_succeeds():
    shown = subprocess.run([sys.executable, DEV, "--help"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    for option in ("--port", "--host", "--no-demo", "add_user NAME --role admin"):
        assert option in shown.stdout


def test_an_unknown_command_says_how_to_use_it_and_fails():
    shown = subprocess.run([sys.executable, DEV, "serve"], capture_output=True, text=True)
    assert shown.returncode == 2
    assert "python3 dev.py run" in shown.stderr
