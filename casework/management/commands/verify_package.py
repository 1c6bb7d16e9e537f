"""Verify an evidence package: the manifest's signature, every file's hashes and the audit
excerpt's chain; names each thing that fails and exits non-zero."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.evidence_package import keys, verify


class Command(BaseCommand):
    help = "Check an evidence package zip: signature, file hashes, audit excerpt."

    def add_arguments(self, parser) -> None:
        parser.add_argument("zip", type=Path)
        parser.add_argument(
            "--public-key",
            type=Path,
            help="the public key file (evidence_public_key's output); default: this "
            "installation's key",
        )

    def handle(self, *args, **options) -> None:
        public = self._public_key(options["public_key"])
        verdict = verify.verify(options["zip"], public)
        for problem in verdict.problems:
            self.stderr.write(f"FAIL {problem}")
        if not verdict.ok:
            raise CommandError(f"{options['zip']}: {len(verdict.problems)} problem(s)")
        self.stdout.write(
            f"OK {options['zip']}: signature valid, {verdict.files_checked} files and "
            f"{verdict.events_checked} audit events check out"
        )

    def _public_key(self, path: Path | None):
        if path is None:
            return keys.public_key()
        try:
            return keys.load_public(path.read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"--public-key {path}: not an Ed25519 public key ({exc})") from exc
