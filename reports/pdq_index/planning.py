"""Choosing a segment's multi-index layout: chunk count and width, probe radii, by a cost model."""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from reports.pdq_index.hashes import HASH_BITS, HASH_BYTES

# Cost model, in nanoseconds, measured on the development machine (numpy 2.4, AVX2):
# one probed bucket (two random table reads and the bookkeeping), one candidate (gather of
# its row, 256-bit distance), one hash compared in a scan, and a fixed cost per segment.
_COST_PROBE = 45.0

_COST_CANDIDATE = 30.0

_COST_SCAN = 5.0

_MAX_CHUNK_BITS = 24

_MAX_PROBES_PER_HASH = 1 << 17

_BUILD_BLOCK = 1 << 18


# ------------------------------------------------------------------------ chunking plans


@lru_cache(maxsize=64)
def _flip_masks(b: int, r: int) -> np.ndarray:
    """All b-bit integers with at most r bits set (r may exceed b)."""
    r = min(r, b)
    out = [0]
    for k in range(1, r + 1):
        for combo in itertools.combinations(range(b), k):
            out.append(sum(1 << i for i in combo))
    return np.array(out, dtype=np.int64)


def _ball(b: int, r: int) -> int:
    return sum(math.comb(b, k) for k in range(min(r, b) + 1)) if r >= 0 else 0


def _radii(m: int, t: int) -> list[int]:
    """Probe radius per chunk, sum(r + 1) == t + 1, spread evenly (larger radii first)."""
    base, extra = divmod(t + 1, m)
    return [base if c < extra else base - 1 for c in range(m)]


def _probes_per_hash(m: int, b: int, t: int) -> int:
    return sum(_ball(b, r) for r in _radii(m, t))


def _mih_cost(n: int, m: int, b: int, t: int) -> float:
    probes = _probes_per_hash(m, b, t)
    return probes * _COST_PROBE + probes * n / 2.0**b * _COST_CANDIDATE


def _index_bytes(n: int, m: int, b: int) -> float:
    pos = 4 if m * n < 2**32 else 8
    return m * n * pos + (m * 2**b + 1) * pos


def _choose_chunking(
    n: int, t: int, max_bytes_per_hash: float, small_segment_bytes: int, id_bytes: int = 8
) -> tuple[int, int] | None:
    """(chunks, bits per chunk) for a segment of n hashes, or None to scan it."""
    best: tuple[float, int, int] | None = None
    budget = max(max_bytes_per_hash * n, small_segment_bytes) - n * (HASH_BYTES + id_bytes)
    for m in range(1, min(32, t + 1) + 1):  # more than t + 1 chunks: some never probed
        for b in range(8, min(_MAX_CHUNK_BITS, HASH_BITS // m) + 1):
            if _index_bytes(n, m, b) > budget:
                continue
            if _probes_per_hash(m, b, t) > _MAX_PROBES_PER_HASH:
                continue
            cost = _mih_cost(n, m, b, t)
            if best is None or cost < best[0]:
                best = (cost, m, b)
    if best is None or best[0] >= n * _COST_SCAN:
        return None
    return best[1], best[2]


class _Plan(NamedTuple):
    chunk: np.ndarray  # chunk of each probe
    mask: np.ndarray  # bits flipped in the query's key
    base: np.ndarray  # chunk * 2**b: offset of the chunk's part of the table

    @property
    def size(self) -> int:
        return int(self.chunk.shape[0])


@lru_cache(maxsize=64)
def _plan(m: int, b: int, t: int) -> _Plan | None:
    radii = _radii(m, t)
    if sum(_ball(b, r) for r in radii) > _MAX_PROBES_PER_HASH:
        return None
    chunk, mask = [], []
    for c, r in enumerate(radii):
        if r < 0:
            continue
        flips = _flip_masks(b, r)
        chunk.append(np.full(flips.shape[0], c, dtype=np.int64))
        mask.append(flips)
    chunks = np.concatenate(chunk)
    return _Plan(chunks, np.concatenate(mask), chunks << b)


def _key(words: np.ndarray, c: int, b: int) -> np.ndarray:
    """Chunk c's key of each row of (n, 4) uint64: bits [c*b, (c+1)*b) of the 256, counting
    from the most significant bit of word 0, as int64."""
    w, off = divmod(c * b, 64)
    if off + b <= 64:
        key = (words[:, w] >> np.uint64(64 - off - b)) & np.uint64((1 << b) - 1)
    else:
        high_bits = 64 - off
        low_bits = b - high_bits
        key = ((words[:, w] & np.uint64((1 << high_bits) - 1)) << np.uint64(low_bits)) | (
            words[:, w + 1] >> np.uint64(64 - low_bits)
        )
    return key.astype(np.int64)


def _chunk_keys(words: np.ndarray, m: int, b: int) -> np.ndarray:
    """(k, 4) uint64 -> (k, m) int64 chunk keys, as _key gives them, for a few rows at once:
    bits in _key's order (each word's most significant first), weighted and summed."""
    bits = np.unpackbits(words.astype(">u8").view(np.uint8).reshape(-1, HASH_BYTES), axis=1)
    bits = bits[:, : m * b].reshape(-1, m, b).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(b - 1, -1, -1, dtype=np.int64))
