#!/usr/bin/env python3
"""Django's command-line utility for Casework."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    from django.core.management import execute_from_command_line

    from casework.devrun.services import ensure_started

    ensure_started()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
