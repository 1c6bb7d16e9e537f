"""Ed25519 signing keys from a setting, or made once into a file: the audit checkpoints'
key and the evidence packages' key are both read this way."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class SigningKeyError(ValueError):
    """The configured key is neither base64 of 32 bytes nor an Ed25519 private key in PEM."""


def ed25519_key(value: str, path: Path) -> Ed25519PrivateKey:
    """The key in `value` (base64 of 32 bytes, or PEM), or else the one in `path`, made
    there (mode 0600) the first time it is asked for."""
    return parse(value) if value else parse(_made_once(path).read_text())


def parse(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("the PEM key is not an Ed25519 private key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise SigningKeyError("the key is not valid base64") from exc
    if len(raw) != 32:
        raise SigningKeyError(f"the key is {len(raw)} bytes, not 32")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _made_once(path: Path) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: another process never reads a half-written
        # key, and if it made one first, that one stays.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path
