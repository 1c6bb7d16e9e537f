"""Content hashes of evidence: SHA-256 and MD5 of the bytes, PDQ of the pixels."""

from __future__ import annotations

import hashlib

import numpy as np
import pdqhash


def digests(data: bytes) -> tuple[str, str]:
    """(sha256, md5) of the bytes, hex."""
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()


def pdq(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hash (64 hex digits, most significant bit first) and quality (0-100) of RGB pixels.

    This is the reference implementation's own computation (pdqhash), on the full image.
    """
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)
