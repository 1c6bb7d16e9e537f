"""Signing a webhook request and checking a signature: one implementation, shared by the
client that sends and the sandbox (or any Python receiver) that verifies.

The signature is HMAC-SHA256, keyed with the shared secret, over ``f"{timestamp}.{body}"``
(the timestamp as sent in ``Casework-Timestamp``, whole seconds since the epoch; the body as
the exact bytes sent). ``Casework-Key-Id`` names the secret, so that a receiver can hold an
old and a new one while the key is rotated. A receiver refuses a timestamp older (or further
ahead) than ``TOLERANCE_SECONDS`` and a signature or event id it has seen before.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

KEY_ID_HEADER = "Casework-Key-Id"
TIMESTAMP_HEADER = "Casework-Timestamp"
SIGNATURE_HEADER = "Casework-Signature"
SCHEME = "sha256="
TOLERANCE_SECONDS = 300


class SignatureRefused(Exception):
    """Why a request's signature does not hold (for the receiver's 401 answer)."""


@dataclass(frozen=True)
class Verified:
    key_id: str
    timestamp: int
    signature: str


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` over the timestamp, a dot and the body."""
    signed = f"{timestamp}.".encode() + body
    return SCHEME + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers that go with `body` sent at `timestamp`."""
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> Verified:
    """Check a request's signature headers against the secrets by key id; SignatureRefused
    naming what is wrong. `headers` must look names up case-insensitively (as an HTTP
    library's headers do)."""
    key_id = (headers.get(KEY_ID_HEADER) or "").strip()
    sent_timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    sent_signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    for name, value in (
        (KEY_ID_HEADER, key_id),
        (TIMESTAMP_HEADER, sent_timestamp),
        (SIGNATURE_HEADER, sent_signature),
    ):
        if not value:
            raise SignatureRefused(f"{name} is missing")
    if key_id not in secrets:
        raise SignatureRefused(f"{KEY_ID_HEADER} {key_id!r} is not a known key")
    if not (sent_timestamp.isascii() and sent_timestamp.isdigit()):
        raise SignatureRefused(f"{TIMESTAMP_HEADER} must be whole seconds since the epoch")
    timestamp = int(sent_timestamp)
    expected = signature(secrets[key_id], timestamp, body)
    if not hmac.compare_digest(expected, sent_signature):
        raise SignatureRefused(f"{SIGNATURE_HEADER} does not match the body and timestamp")
    # Checked after the signature: a forger learns nothing from which check failed.
    if abs(now - timestamp) > tolerance:
        raise SignatureRefused(
            f"{TIMESTAMP_HEADER} is {int(now - timestamp)} s from now; at most {tolerance} s"
        )
    return Verified(key_id, timestamp, sent_signature)
