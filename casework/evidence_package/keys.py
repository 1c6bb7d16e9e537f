"""The evidence packages' signing key: EVIDENCE_SIGNING_KEY (base64 of 32 bytes, or PEM), or
a key made once into EVIDENCE_SIGNING_KEY_FILE. Its public half is what a receiving police
force checks a package against (shown in the admin, printed by evidence_public_key)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

from casework import signing_keys

ALGORITHM = "Ed25519"


def signing_key() -> Ed25519PrivateKey:
    return signing_keys.ed25519_key(
        settings.EVIDENCE_SIGNING_KEY, Path(settings.EVIDENCE_SIGNING_KEY_FILE)
    )


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


def public_base64(key: Ed25519PublicKey | None = None) -> str:
    return base64.b64encode(raw_public(key or public_key())).decode()


def fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, in groups of four hex digits: to read out on the phone."""
    digest = hashlib.sha256(raw_public(key or public_key())).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def load_public(text: str) -> Ed25519PublicKey:
    """A public key as evidence_public_key prints it (PEM) or as base64 of its 32 bytes;
    ValueError if it is neither."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
