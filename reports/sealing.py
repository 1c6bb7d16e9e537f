"""Personal data sealed in the database under the evidence keys.

A database dump alone must expose no one: uploader accounts, emails, IP addresses, report
descriptions and the documents sent to hotlines are stored as AES-256-GCM ciphertext. Each
evidence key gives two keys of its own by HKDF, one that seals and one that digests, so the
key that seals vault files never touches another purpose.

A sealed value is MAGIC, the key id, a 12-byte nonce, then the ciphertext with its tag; the
column it belongs to is bound into the tag, so a value copied into another column does not
open. Equality searches go through keyed digests (HMAC-SHA256): a digest under each configured
key is looked up, so a search still finds rows sealed before a key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"CWF1"
NONCE_BYTES = 12
SEAL_INFO = b"casework/personal-fields/seal"
DIGEST_INFO = b"casework/personal-fields/digest"


class SealError(Exception):
    pass


@lru_cache(maxsize=64)
def _derive(evidence_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(evidence_key)


@lru_cache(maxsize=64)
def _cipher(evidence_key: bytes) -> AESGCM:
    return AESGCM(_derive(evidence_key, SEAL_INFO))


def current_key_id() -> str:
    return next(iter(settings.EVIDENCE_KEYS))


def prefix(key_id: str) -> bytes:
    """How every value sealed under key_id begins (to find values sealed under older keys)."""
    encoded = key_id.encode()
    return MAGIC + bytes([len(encoded)]) + encoded


class Sealer:
    """seal() bound to the current key: what sealing many values costs once, not per value."""

    def __init__(self) -> None:
        key_id = current_key_id()
        self._cipher = _cipher(settings.EVIDENCE_KEYS[key_id])
        self._prefix = prefix(key_id)

    def __call__(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self._prefix + nonce + self._cipher.encrypt(nonce, plaintext, context)


def seal(plaintext: bytes, context: str) -> bytes:
    """Seal plaintext for the column named by context (e.g. "reports_report.uploader")."""
    return Sealer()(plaintext, context.encode())


def key_id_of(blob: bytes) -> str:
    if not blob.startswith(MAGIC) or len(blob) <= len(MAGIC):
        raise SealError("not a sealed value")
    length = blob[len(MAGIC)]
    return blob[len(MAGIC) + 1 : len(MAGIC) + 1 + length].decode(errors="replace")


def unseal(blob: bytes, context: str) -> bytes:
    """The plaintext of a sealed value; SealError if it is unkeyed, altered or misplaced."""
    key_id = key_id_of(blob)
    key = settings.EVIDENCE_KEYS.get(key_id)
    if key is None:
        raise SealError(f"{context} is sealed with key {key_id!r}, which is not configured")
    start = len(prefix(key_id))
    nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
    try:
        return _cipher(key).decrypt(nonce, sealed, context.encode())
    except Exception as exc:  # InvalidTag: another key, altered bytes or another column
        raise SealError(f"{context} failed authentication") from exc


def seal_text(value: str, context: str) -> str:
    """A sealed string as base64 text, for a value kept inside JSON (an audit event's data)."""
    return base64.b64encode(seal(value.encode(), context)).decode()


def unseal_text(value: str, context: str) -> str:
    try:
        blob = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise SealError(f"{context} is not sealed text") from exc
    return unseal(blob, context).decode()


class Digester:
    """digest() bound to the current key (its HMAC keyed once, then copied for each value)."""

    def __init__(self, evidence_key: bytes | None = None) -> None:
        key = evidence_key or settings.EVIDENCE_KEYS[current_key_id()]
        self._keyed = hmac.new(_derive(key, DIGEST_INFO), digestmod=hashlib.sha256)

    def __call__(self, purpose: str, value: str) -> str:
        mac = self._keyed.copy()
        mac.update(purpose.encode() + b"\x00" + value.encode())
        return mac.hexdigest()


def digest(purpose: str, value: str) -> str:
    """The keyed digest of value under the current key, for an equality lookup column."""
    return Digester()(purpose, value)


def candidate_digests(purpose: str, value: str) -> list[str]:
    """value's digest under every configured key: what a lookup searches for."""
    return [Digester(key)(purpose, value) for key in settings.EVIDENCE_KEYS.values()]
