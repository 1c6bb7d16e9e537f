"""Content hashes of evidence: SHA-256, MD5 and SHA-1 of the bytes, PDQ of the pixels."""

from __future__ import annotations

import hashlib

import numpy as np
import pdqhash
from PIL import Image

from reports import pdq_native


def digests(data: bytes) -> tuple[str, str, str]:
    """(sha256, md5, sha1) of the bytes, hex (hash lists come in all three)."""
    return (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        hashlib.sha1(data, usedforsecurity=False).hexdigest(),
    )


def _hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hash (64 hex digits, most significant bit first) and quality (0-100) of RGB pixels.

    This is the reference implementation's own computation (pdqhash), on the full image.
    """
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return _hex(bits), int(quality)


def pdq_dihedral(rgb: np.ndarray | Image.Image) -> tuple[list[str], int]:
    """The PDQ hashes of the image in its 8 rotations and flips (the first is the image as
    it is, pdq()'s hash to within the luma rounding pdq_native describes), and the quality;
    the same cost as one hash.

    reports.pdq_native (Pillow's luma; the reference's blur, decimation and DCT as the
    matrix products of reports.pdq_matrices) when the installed pdqhash exports the C++
    it also calls and the image is not one whose hash the rounding could move by more
    than pdq_native.MAX_DRIFT bits; else pdqhash's wrapper, about three times the time.
    """
    if pdq_native.available() and (native := pdq_native.dihedral(rgb)) is not None:
        return native
    variants, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
    return [_hex(bits) for bits in variants], int(quality)
