"""PDQ hashes as arrays: hex and bit conversions, 64-bit words, the 8 dihedral variants."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

HASH_BYTES = 32

HASH_BITS = 256

DEFAULT_THRESHOLD = 31


# ---------------------------------------------------------------------------- conversions


def hex_to_bytes(hexes: str | Iterable[str]) -> np.ndarray:
    """64-hex-digit PDQ hash(es) -> (k, 32) uint8, most significant bit first."""
    if isinstance(hexes, str):
        hexes = [hexes]
    joined = "".join(hexes)
    if len(joined) % (2 * HASH_BYTES):
        raise ValueError("a PDQ hash is 64 hex digits")
    return np.frombuffer(bytes.fromhex(joined), dtype=np.uint8).reshape(-1, HASH_BYTES).copy()


def bytes_to_hex(hashes: np.ndarray) -> list[str]:
    """(k, 32) uint8 -> 64-hex-digit strings (lower case)."""
    arr = _as_hash_array(hashes)
    return [row.tobytes().hex() for row in arr]


def bits_to_bytes(bits: np.ndarray) -> np.ndarray:
    """pdqhash's 256-bit vectors ((256,) or (k, 256) of 0/1) -> (k, 32) uint8, the layout
    of reports.hashing.pdq's hex digits."""
    bits = np.asarray(bits).reshape(-1, HASH_BITS)
    return np.packbits(bits.astype(np.uint8), axis=1)


def _as_hash_array(hashes: np.ndarray | Sequence[str] | str) -> np.ndarray:
    if isinstance(hashes, str) or (
        isinstance(hashes, Sequence) and hashes and isinstance(hashes[0], str)
    ):
        return hex_to_bytes(hashes)  # type: ignore[arg-type]
    arr = np.asarray(hashes)
    if arr.dtype != np.uint8:
        raise TypeError("hashes must be uint8 of shape (k, 32) or hex strings")
    arr = arr.reshape(-1, HASH_BYTES)
    return np.ascontiguousarray(arr)


def _to_words(hashes: np.ndarray) -> np.ndarray:
    """(k, 32) uint8 -> (k, 4) uint64 (native order: only the bit partition depends on it)."""
    return _as_hash_array(hashes).view(np.uint64).copy()


def _words_to_bytes(words: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(words).view(np.uint8).reshape(-1, HASH_BYTES)


# ------------------------------------------------------------------- dihedral variants


def _dihedral_rules() -> list[tuple[bool, np.ndarray]]:
    i, j = np.indices((16, 16))
    none = np.zeros((16, 16), dtype=bool)
    i_odd, j_odd, ij_odd = i % 2 == 1, j % 2 == 1, (i + j) % 2 == 1
    # (transpose?, complement mask) in pdqhash.compute_dihedral's order:
    # original, rotate 90, rotate 180, rotate 270, flip x, flip y, flip +1, flip -1.
    return [
        (False, none),
        (True, j_odd),
        (False, ij_odd),
        (True, i_odd),
        (False, i_odd),
        (False, j_odd),
        (True, none),
        (True, ij_odd),
    ]


def dihedral_from_hashes(hashes: np.ndarray) -> np.ndarray:
    """The 8 dihedral variants of PDQ hashes derived from the bits alone: (k, 32) ->
    (k, 8, 32) uint8, in pdqhash.compute_dihedral's order (the first is the hash itself).

    PDQ's bit (i, j) (bit i*16 + j, most significant first) is the sign of the 16x16 DCT
    coefficient (i, j) against the median. Rotating or flipping the image transposes the
    coefficient matrix and/or negates coefficients of odd index, so a variant is the bit
    matrix transposed and/or complemented on a fixed mask (derived from PDQ's DCT and
    checked against pdqhash). Negating moves the median, so the result is exact for the
    transposes and within a few bits otherwise (mean 6, at most 14 on the synthetic
    pictures). With pixels at hand use pdqhash.compute_dihedral; this is for hashes that
    come without pixels (hash lists, benchmarks).
    """
    arr = _as_hash_array(hashes)
    bits = np.unpackbits(arr, axis=1).reshape(-1, 16, 16).astype(bool)
    out = np.empty((arr.shape[0], 8, HASH_BYTES), dtype=np.uint8)
    for k, (transpose, mask) in enumerate(_dihedral_rules()):
        variant = bits ^ mask
        if transpose:
            variant = variant.transpose(0, 2, 1)
        out[:, k] = np.packbits(variant.reshape(-1, HASH_BITS), axis=1)
    return out
