"""Print the public half of the evidence packages' signing key, for a receiver to verify
packages with (verify_package --public-key FILE)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from casework.evidence_package import keys


class Command(BaseCommand):
    help = "Print the Ed25519 public key that evidence packages are signed with (PEM)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format",
            choices=["pem", "base64", "fingerprint"],
            default="pem",
            help="PEM (default), base64 of the 32 raw bytes, or the SHA-256 fingerprint",
        )

    def handle(self, *args, **options) -> None:
        key = keys.public_key()
        shown = {
            "pem": lambda: keys.public_pem(key).rstrip("\n"),
            "base64": lambda: keys.public_base64(key),
            "fingerprint": lambda: keys.fingerprint(key),
        }[options["format"]]
        self.stdout.write(shown())
