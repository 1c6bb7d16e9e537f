"""PDQ's blur, decimation, DCT and bits as small matrix products, from the reference C++'s
luma.

The reference hasher blurs the whole luma plane with two passes of a box filter along the
rows and two along the columns (its Jarosz filter), then keeps 64 x 64 of the pixels, then
takes a 16 x 16 DCT of those. Every step is linear and the row and column filters act on
different axes, so the 64 x 64 it keeps is `V @ luma @ H.T`, where each of V (64 x rows) and
H (64 x columns) is the two passes of the box along that axis, read at the 64 kept places.
Two matrix products (about 1.7 ms at one megapixel) replace four passes over the full plane
(about 5 ms); the luma itself is still the reference C++'s.

The box is the reference's exactly: a window of `(n + 127) // 128` samples, centred as its
box1DFloat centres it, shortened (and divided by its own length) at the edges. Only the
order of the float32 additions differs, which moves a DCT coefficient by far less than
pdq_native.COEFFICIENT_TOLERANCE, the margin within which its fragility check declines an
image. bench/media_processing.py reports the Hamming distance to pdqhash on every bench
image (0 so far) and tests/reports/test_pdq_native.py bounds it on images of every mode,
size and orientation.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from threadpoolctl import threadpool_limits

SIDE = 64  # the reference's downsample
DCT_SIDE = 16
# Below this many rows or columns the full-plane reference costs next to nothing.
MIN_SIDE = 2 * SIDE


@functools.lru_cache(maxsize=64)
def kept_blur(length: int) -> np.ndarray:
    """(SIDE x length) float32: the reference's two box passes along an axis of this
    length, at the SIDE samples its decimation keeps."""
    window = (length + 2 * SIDE - 1) // (2 * SIDE)
    half = (window + 2) // 2
    starts = np.maximum(0, np.arange(length) - window + half)
    ends = np.minimum(length, np.arange(length) + half)  # exclusive
    kept = np.array([int(((i + 0.5) * length) / SIDE) for i in range(SIDE)])
    rows = np.zeros((SIDE, length))
    for row, out in enumerate(kept):
        # The second pass averages the first pass's outputs over out's window; each of
        # those averages the input over its own window.
        for first in range(starts[out], ends[out]):
            weight = 1.0 / ((ends[out] - starts[out]) * (ends[first] - starts[first]))
            rows[row, starts[first] : ends[first]] += weight
    return rows.astype(np.float32)


@functools.cache
def _dct() -> np.ndarray:
    """The reference's 16 x 64 DCT matrix (rows 1-16 of the 64-point DCT-II)."""
    i, j = np.indices((DCT_SIDE, SIDE))
    scale = math.sqrt(2.0 / SIDE)
    return (scale * np.cos((math.pi / 2.0 / SIDE) * (i + 1) * (2 * j + 1))).astype(np.float32)


@functools.cache
def _one_blas_thread() -> None:
    """Once per process: BLAS runs these products on the calling thread. A worker already
    hashes one image per core; BLAS's own threads there only wait on each other (measured
    on 2 cores: 6.8 ms of CPU per megapixel image with them, 5.8 ms without)."""
    threadpool_limits(1, user_api="blas")


def downsample(luma: np.ndarray) -> np.ndarray:
    """The 64 x 64 the reference keeps of a luma plane (rows x columns, float32)."""
    _one_blas_thread()
    rows, columns = luma.shape
    return kept_blur(rows) @ (luma @ kept_blur(columns).T)


def dct(kept: np.ndarray) -> np.ndarray:
    """The 16 x 16 DCT of the 64 x 64 (the reference's dct64To16)."""
    matrix = _dct()
    return (matrix @ kept) @ matrix.T


def quality(kept: np.ndarray) -> int:
    """The reference's quality metric: significant gradients of the 64 x 64, 0-100."""
    down = np.trunc((kept[:-1, :] - kept[1:, :]) * np.float32(100) / np.float32(255))
    across = np.trunc((kept[:, :-1] - kept[:, 1:]) * np.float32(100) / np.float32(255))
    gradients = int(np.abs(down).astype(np.int64).sum() + np.abs(across).astype(np.int64).sum())
    return min(100, gradients // 90)


def orientations(coefficients: np.ndarray) -> list[np.ndarray]:
    """The 16 x 16 DCT of the image as is, rotated 90, 180, 270, flipped X, Y, +1 and -1
    (pdqhash's order), derived from the original's as the reference's dct16OriginalTo*."""
    a = coefficients
    odd_rows = np.where(np.arange(DCT_SIDE) % 2 == 1, 1, -1).astype(np.float32)[:, None]
    odd_columns = odd_rows.T
    checker = odd_rows * odd_columns  # +1 where i + j is even
    return [
        a,
        (a * odd_columns).T,
        a * checker,
        (a * odd_rows).T,
        a * odd_rows,
        a * odd_columns,
        a.T,
        (a * checker).T,
    ]


def hash_hex(coefficients: np.ndarray) -> str:
    """64 hex digits, bit i*16+j set where coefficient (i, j) is above the median (the
    lower of the middle two, as the reference's torben), most significant bit first."""
    flat = coefficients.reshape(-1)
    median = np.partition(flat, flat.size // 2 - 1)[flat.size // 2 - 1]
    return np.packbits(flat[::-1] > median).tobytes().hex()
