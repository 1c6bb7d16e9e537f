"""The evidence vault: files encrypted at rest with AES-256-GCM under a rotating set of keys.

A vault file is MAGIC, the key id, a 12-byte nonce, then the ciphertext with its tag. The
vault name is bound into the tag, so a file moved to another name does not decrypt.
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"CWV1"


class VaultError(Exception):
    pass


class MediaPurged(VaultError):
    """The media item's bytes were deleted when its keeping ended; only its record stays."""

    def __init__(self, media_id: int, purged_at: datetime):
        super().__init__(
            f"Media {media_id} was purged on {purged_at:%Y-%m-%d} when its keeping ended: "
            "its bytes and previews are gone; its hashes and sizes stay on record."
        )
        self.media_id = media_id
        self.purged_at = purged_at


def _path(name: str) -> Path:
    return Path(settings.EVIDENCE_DIR) / name[:2] / name[2:4] / name


def current_key_id() -> str:
    return next(iter(settings.EVIDENCE_KEYS))


def store(data: bytes, name: str | None = None) -> tuple[str, str]:
    """Encrypt data into a new vault file (under `name`, else a fresh one); return (vault
    name, key id)."""
    name = name or uuid.uuid4().hex
    key_id = current_key_id()
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(settings.EVIDENCE_KEYS[key_id]).encrypt(nonce, data, name.encode())
    encoded_id = key_id.encode()
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{name}.{secrets.token_hex(4)}.tmp")  # two writers of one name
    with open(tmp, "wb") as f:
        f.write(MAGIC + bytes([len(encoded_id)]) + encoded_id + nonce + sealed)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return name, key_id


def load(name: str) -> bytes:
    """Decrypt a vault file; raises VaultError if it is missing, tampered with or unkeyed."""
    try:
        blob = _path(name).read_bytes()
    except FileNotFoundError as exc:
        raise VaultError(f"vault file {name} is missing") from exc
    if not blob.startswith(MAGIC):
        raise VaultError(f"vault file {name} is not a Casework vault file")
    id_len = blob[len(MAGIC)]
    start = len(MAGIC) + 1
    key_id = blob[start : start + id_len].decode()
    nonce = blob[start + id_len : start + id_len + 12]
    sealed = blob[start + id_len + 12 :]
    key = settings.EVIDENCE_KEYS.get(key_id)
    if key is None:
        raise VaultError(
            f"vault file {name} is sealed with key {key_id!r}, which is not configured"
        )
    try:
        return AESGCM(key).decrypt(nonce, sealed, name.encode())
    except Exception as exc:  # InvalidTag: wrong key or altered bytes
        raise VaultError(f"vault file {name} failed authentication") from exc


def exists(name: str) -> bool:
    return _path(name).exists()


def discard(name: str) -> None:
    """Remove a vault file if present (used when a transaction that wrote it rolls back)."""
    _path(name).unlink(missing_ok=True)
