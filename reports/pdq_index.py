"""Exact PDQ near-duplicate index: multi-index hashing in plain numpy, no Django.

What it answers
    ``PDQIndex.query(hashes)`` returns every stored entry whose PDQ hash is within the
    Hamming distance threshold (31 by default, configurable, any value 0..256) of any of
    the query hashes, with the distance. It is exact: the same set of (query, id, distance)
    as comparing against every stored hash, which the tests check. For one image, query
    with its 8 dihedral hashes (``pdqhash.compute_dihedral`` on the pixels) so that rotated
    and flipped copies match; the caller keeps to hashes of quality >= 50.

How it is exact (multi-index hashing with the generalised pigeonhole principle)
    A segment cuts the 256 bits into m disjoint chunks of b contiguous bits (m*b <= 256;
    bits left over belong to no chunk) and gives chunk c a probe radius r_c with
    sum(r_c + 1) >= t + 1. If d(query, x) <= t then, since the chunk distances add up to at
    most d, not every chunk can have d_c >= r_c + 1 (that would sum to more than t): some
    chunk c has d_c <= r_c. Looking up every key within r_c of the query's chunk-c key, in
    every chunk, therefore reaches every hash within t; each candidate is then checked with
    its full 256-bit distance, so nothing beyond t is returned. r_c = -1 means "not probed".
    The radii are spread evenly (optimal for equal chunks). This holds for any t; the cost
    of probing grows with t, and where a cost model says that probing would cost more than
    a scan, the segment is scanned instead (also exact). So every threshold is exact; the
    fast path is tuned for t around 31. At 10M hashes with ids that fit in 32 bits: 11
    chunks of 22 bits, radius 2 in 10 and 1 in one: 2,563 lookups and about 6,100
    candidates per query hash (with 64-bit ids, 12 chunks of 21 bits: 1,944 and 9,300).

Layout of a segment (bytes per hash at 10M, 11 chunks of 22 bits: 32 + 4 + 44 + 18 = 98)
    words  (n, 4) uint64   the hashes, rows sorted by id                    32 B
    ids    (n,)   int32    sorted, so an id is found by bisection; int64      4 or 8 B
                           when some id does not fit in 32 bits
    perm   (m*n,) uint32   per chunk, the rows ordered by that chunk's key   4 B per chunk
    table  (m*2^b + 1,) uint32  per chunk and key, where its rows start in perm
    The chunking (m, b) is chosen per segment from its size and the memory budget
    (``max_bytes_per_hash``, default 100 including hashes and ids) by a cost model; a
    segment may always use ``small_segment_bytes`` (4 MiB), so that small ones are indexed.
    A query costs one random read of the table per lookup and of perm and words per
    candidate: at 10M that is memory latency, not arithmetic.

Updates without a full rebuild (an LSM tree of segments)
    ``add`` appends to a small tail that is scanned directly; when the tail reaches
    ``tail_limit`` entries it becomes a segment of its own, and segments of similar size
    are merged (rebuilt) while the merged size stays under ``merge_limit``, so that an add
    never rebuilds the big segment and costs well under a second. ``remove`` marks rows
    dead (filtered from results at once); segments that are mostly dead are rebuilt when
    small. ``compact()`` merges everything into one segment: a full rebuild, for a
    background job when ``needs_compaction`` says so. Adding an id that is present replaces
    its hash; removing an unknown id does nothing.

    Writers must be serialised (one thread or a lock); a reader sees either the state before
    or after a write, since every write swaps in new objects instead of changing them.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

HASH_BYTES = 32
HASH_BITS = 256
DEFAULT_THRESHOLD = 31

# Cost model, in nanoseconds, measured on the development machine (numpy 2.4, AVX2):
# one probed bucket (two random table reads and the bookkeeping), one candidate (gather of
# its row, 256-bit distance), one hash compared in a scan, and a fixed cost per segment.
_COST_PROBE = 45.0
_COST_CANDIDATE = 30.0
_COST_SCAN = 5.0
_MAX_CHUNK_BITS = 24
_MAX_PROBES_PER_HASH = 1 << 17
_BUILD_BLOCK = 1 << 18


@dataclass(frozen=True, eq=False)
class Matches:
    """Matches as parallel arrays, sorted by query row, then distance, then id; unpacks as
    ``query, ids, distance = matches``."""

    query: np.ndarray  # int64: row of the query hash in the hashes given to query()
    ids: np.ndarray  # int64: id of the stored entry
    distance: np.ndarray  # int64: Hamming distance, <= the threshold

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def __iter__(self):
        return iter((self.query, self.ids, self.distance))

    def as_tuples(self) -> list[tuple[int, int, int]]:
        """[(query_row, id, distance), ...] as Python ints."""
        return list(
            zip(self.query.tolist(), self.ids.tolist(), self.distance.tolist(), strict=True)
        )

    def best_per_id(self) -> dict[int, int]:
        """{id: smallest distance over the query hashes}: one image's answer when the query
        was its 8 dihedral hashes."""
        best: dict[int, int] = {}
        for ident, dist in zip(self.ids.tolist(), self.distance.tolist(), strict=True):
            if dist < best.get(ident, HASH_BITS + 1):
                best[ident] = dist
        return best


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


# --------------------------------------------------------------------- distance helpers


def _scan(words: np.ndarray, qwords: np.ndarray, t: int) -> tuple[np.ndarray, ...]:
    """Brute force: (query rows, rows, distances) with distance <= t."""
    n, k = words.shape[0], qwords.shape[0]
    qs, rs, ds = [], [], []
    block = max(1024, (1 << 18) // max(k, 1))
    for start in range(0, n, block):
        part = words[start : start + block]
        # Word by word over (queries, rows): long inner loops, nothing wraps past 255.
        d = np.bitwise_count(part[None, :, 0] ^ qwords[:, 0, None]).astype(np.uint16)
        for j in range(1, 4):
            d += np.bitwise_count(part[None, :, j] ^ qwords[:, j, None])
        q, r = np.nonzero(d <= t)
        if q.shape[0]:
            qs.append(q)
            rs.append(r + start)
            ds.append(d[q, r])
    if not qs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return (
        np.concatenate(qs).astype(np.int64),
        np.concatenate(rs).astype(np.int64),
        np.concatenate(ds).astype(np.int64),
    )


def _id_dtype(ids: np.ndarray) -> type:
    """int32 when every id fits (database keys mostly do: 4 bytes a hash saved), else int64."""
    info = np.iinfo(np.int32)
    if ids.shape[0] == 0 or (int(ids.min()) >= info.min and int(ids.max()) <= info.max):
        return np.int32
    return np.int64


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is very slow on big integer arrays)."""
    values = np.sort(values)
    if values.shape[0] < 2:
        return values
    keep = np.empty(values.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """values[i] in sorted_set, by bisection (np.isin sorts both sides)."""
    if sorted_set.shape[0] == 0:
        return np.zeros(values.shape[0], dtype=bool)
    pos = np.searchsorted(sorted_set, values)
    pos[pos == sorted_set.shape[0]] = 0
    return sorted_set[pos] == values


def brute_force(
    stored: np.ndarray, ids: np.ndarray, queries: np.ndarray, threshold: int = DEFAULT_THRESHOLD
) -> Matches:
    """Every (query row, id, distance <= threshold) by comparing with every stored hash: the
    reference the index is tested against."""
    q, r, d = _scan(_to_words(stored), _to_words(queries), threshold)
    return _sorted_matches(q, np.asarray(ids, dtype=np.int64)[r], d)


def _sorted_matches(q: np.ndarray, ids: np.ndarray, d: np.ndarray) -> Matches:
    order = np.lexsort((ids, d, q))
    return Matches(q[order], ids[order], d[order])


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


# ------------------------------------------------------------------------------ segments


class _Segment:
    """An immutable set of hashes with its multi-index (or none, to be scanned), plus the
    rows removed since it was built."""

    __slots__ = ("words", "ids", "m", "b", "perm", "table", "dead")

    def __init__(self, words, ids, m, b, perm, table, dead):
        self.words: np.ndarray = words
        self.ids: np.ndarray = ids
        self.m: int = m
        self.b: int = b
        self.perm: np.ndarray | None = perm
        self.table: np.ndarray | None = table
        self.dead: np.ndarray = dead  # sorted rows

    @classmethod
    def build(
        cls,
        words: np.ndarray,
        ids: np.ndarray,
        t: int,
        max_bytes_per_hash: float,
        small_segment_bytes: int = 0,
        chunking: tuple[int, int] | None = None,
    ) -> _Segment:
        """chunking: (chunks, bits per chunk) instead of the cost model's choice (tests)."""
        if ids.shape[0] > 1 and not (ids[1:] > ids[:-1]).all():
            order = np.argsort(ids, kind="stable")
            ids = ids.take(order)
            words = words.take(order, axis=0)
        if ids.shape[0] > 1 and (ids[1:] == ids[:-1]).any():
            raise ValueError("ids must be unique")
        ids = np.ascontiguousarray(ids, dtype=_id_dtype(ids))
        words = np.ascontiguousarray(words, dtype=np.uint64)
        n = ids.shape[0]
        if n >= 2**32:
            raise ValueError("a segment holds fewer than 2**32 hashes")
        if chunking is None:
            chunking = _choose_chunking(
                n, t, max_bytes_per_hash, small_segment_bytes, ids.dtype.itemsize
            )
        if chunking is None:
            return cls(words, ids, 0, 0, None, None, np.zeros(0, dtype=np.int64))
        m, b = chunking
        pos_dtype = np.uint32 if m * n < 2**32 else np.int64
        perm = np.empty(m * n, dtype=pos_dtype)
        table = np.empty(m * (1 << b) + 1, dtype=pos_dtype)
        key = np.empty(n, dtype=np.int64)
        packed = np.empty(n, dtype=np.uint64)
        low_half = 0 if sys.byteorder == "little" else 1
        for c in range(m):
            # In blocks: temporaries of a few MB are reused, not faulted in afresh.
            for start in range(0, n, _BUILD_BLOCK):
                block_key = _key(words[start : start + _BUILD_BLOCK], c, b)
                key[start : start + block_key.shape[0]] = block_key
                rows = np.arange(start, start + block_key.shape[0], dtype=np.uint64)
                block_key = block_key.view(np.uint64)
                block_key <<= np.uint64(32)
                block_key |= rows
                packed[start : start + block_key.shape[0]] = block_key
            counts = np.bincount(key, minlength=1 << b)
            starts = np.cumsum(counts) - counts
            table[c << b : (c + 1) << b] = starts + c * n
            # Sorting (key << 32 | row) is faster than argsort and gives the rows by key.
            packed.sort()
            perm[c * n : (c + 1) * n] = packed.view(np.uint32)[low_half::2]
        table[m << b] = m * n
        return cls(words, ids, m, b, perm, table, np.zeros(0, dtype=np.int64))

    def with_dead(self, dead: np.ndarray) -> _Segment:
        return _Segment(self.words, self.ids, self.m, self.b, self.perm, self.table, dead)

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    @property
    def live(self) -> int:
        return self.size - int(self.dead.shape[0])

    @property
    def nbytes(self) -> int:
        total = self.words.nbytes + self.ids.nbytes + self.dead.nbytes
        if self.perm is not None and self.table is not None:
            total += self.perm.nbytes + self.table.nbytes
        return total

    def live_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dead.shape[0] == 0:
            return self.words, self.ids.astype(np.int64)
        keep = np.ones(self.size, dtype=bool)
        keep[self.dead] = False
        return np.compress(keep, self.words, axis=0), self.ids[keep].astype(np.int64)

    def find(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the given ids that are present and alive."""
        if self.size == 0 or ids.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        info = np.iinfo(self.ids.dtype)
        ids = ids[(ids >= info.min) & (ids <= info.max)].astype(self.ids.dtype)
        rows = _unique(np.searchsorted(self.ids, ids)[_member(ids, self.ids)])
        if self.dead.shape[0]:
            rows = rows[~_member(rows, self.dead)]
        return rows.astype(np.int64)

    def query(self, qwords: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query rows, ids, distances) within t, dead rows left out."""
        plan = None
        if self.perm is not None:
            plan = _plan(self.m, self.b, t)
            if plan is not None:
                probe_cost = _mih_cost(self.size, self.m, self.b, t)
                if probe_cost >= self.size * _COST_SCAN:
                    plan = None
        if plan is None:
            q, rows, d = _scan(self.words, qwords, t)
        else:
            q, rows, d = self._probe(plan, qwords, t)
        if self.dead.shape[0] and rows.shape[0]:
            keep = ~_member(rows, self.dead)
            q, rows, d = q[keep], rows[keep], d[keep]
        return q, self.ids[rows].astype(np.int64), d

    def _probe(self, plan: _Plan, qwords: np.ndarray, t: int):
        assert self.perm is not None and self.table is not None
        k = qwords.shape[0]
        empty = np.zeros(0, dtype=np.int64)
        keys = _chunk_keys(qwords, self.m, self.b)  # (k, m)
        slots = keys[:, plan.chunk]  # (k, probes): query-major, so candidates come grouped
        slots ^= plan.mask
        slots += plan.base
        slots = slots.ravel()
        starts = self.table.take(slots).astype(np.int64)
        slots += 1
        lens = self.table.take(slots).astype(np.int64)
        lens -= starts
        ends = np.cumsum(lens)
        total = int(ends[-1])
        if total == 0:
            return empty, empty, empty
        # Positions in perm: for each probed bucket, starts[i] .. starts[i] + lens[i] - 1
        # (empty buckets repeat zero times).
        pos = np.repeat(starts - (ends - lens), lens)
        pos += np.arange(total, dtype=np.int64)
        rows = self.perm.take(pos)
        # Where each query's candidates begin and end.
        bounds = np.zeros(k + 1, dtype=np.int64)
        bounds[1:] = ends[plan.size - 1 :: plan.size]
        cand = self.words.take(rows, axis=0)  # (total, 4): one cache line per candidate
        cand ^= np.repeat(qwords, np.diff(bounds), axis=0)
        d = _row_popcount(cand)
        ok = np.flatnonzero(d <= t)
        rows = rows.take(ok).astype(np.int64)
        qrow = np.searchsorted(bounds, ok, side="right") - 1
        d = d.take(ok).astype(np.int64)
        if rows.shape[0] > 1:  # the same pair can be reached through several chunks
            _, first = np.unique(qrow * self.size + rows, return_index=True)
            rows, qrow, d = rows[first], qrow[first], d[first]
        return qrow, rows, d


def _row_popcount(x: np.ndarray) -> np.ndarray:
    """Popcount of each row of a contiguous (n, 4) uint64 array, as uint32 (whole-array
    operations only: numpy is slow on an axis of length 4)."""
    counts = np.bitwise_count(x).view(np.uint32).reshape(-1)  # 4 byte counts per row
    pairs = (counts & np.uint32(0x00FF00FF)) + ((counts >> np.uint32(8)) & np.uint32(0x00FF00FF))
    return (pairs & np.uint32(0xFFFF)) + (pairs >> np.uint32(16))


# --------------------------------------------------------------------------------- index


class _State(NamedTuple):
    segments: tuple[_Segment, ...]
    tail_words: np.ndarray
    tail_ids: np.ndarray


def _empty_state() -> _State:
    return _State((), np.zeros((0, 4), dtype=np.uint64), np.zeros(0, dtype=np.int64))


class PDQIndex:
    """Exact PDQ near-duplicate index; see the module docstring.

    threshold: the Hamming distance used by query() when none is given and the one the
        chunking is tuned for (0..256).
    max_bytes_per_hash: memory budget per stored hash for a segment, hashes and ids
        included (a segment that cannot be indexed within it is scanned).
    tail_limit: adds are scanned until this many are pending, then indexed.
    merge_limit: automatic merges stop at this many entries (a merge is a rebuild of the
        merged segments); beyond, compact() does it.
    small_segment_bytes: what any segment may use however few its hashes, so that small
        segments (recent adds) are indexed rather than scanned; from 42k hashes up, the
        per-hash budget is the larger.
    """

    def __init__(
        self,
        threshold: int = DEFAULT_THRESHOLD,
        *,
        max_bytes_per_hash: float = 100.0,
        tail_limit: int = 1024,
        merge_limit: int = 250_000,
        small_segment_bytes: int = 4 << 20,
    ) -> None:
        if not 0 <= threshold <= HASH_BITS:
            raise ValueError("threshold must be between 0 and 256")
        self.threshold = int(threshold)
        self.max_bytes_per_hash = float(max_bytes_per_hash)
        self.tail_limit = int(tail_limit)
        self.merge_limit = int(merge_limit)
        self.small_segment_bytes = int(small_segment_bytes)
        self._state = _empty_state()

    @classmethod
    def from_arrays(
        cls, hashes: np.ndarray, ids: np.ndarray, threshold: int = DEFAULT_THRESHOLD, **options
    ) -> PDQIndex:
        index = cls(threshold, **options)
        index.build(hashes, ids)
        return index

    # -- writes

    def build(self, hashes: np.ndarray | Sequence[str], ids: Iterable[int]) -> None:
        """Replace the contents with these hashes ((n, 32) uint8 or hex) and unique ids."""
        words, ids_arr = self._validate(hashes, ids)
        segment = self._segment(words, ids_arr)  # raises ValueError on a repeated id
        self._state = _State((segment,) if segment.size else (), *_empty_state()[1:])

    def add(self, hashes: np.ndarray | Sequence[str], ids: Iterable[int]) -> None:
        """Add entries, visible to the next query; an id already present gets the new hash
        (within one call, the last occurrence of an id wins)."""
        words, ids_arr = self._validate(hashes, ids)
        if ids_arr.shape[0] == 0:
            return
        # Keep the last occurrence of each id.
        _, last = np.unique(ids_arr[::-1], return_index=True)
        keep = np.sort(ids_arr.shape[0] - 1 - last)
        words, ids_arr = words.take(keep, axis=0), ids_arr.take(keep)
        state = self._without(self._state, ids_arr)
        tail_words = np.concatenate([state.tail_words, words])
        tail_ids = np.concatenate([state.tail_ids, ids_arr])
        segments = state.segments
        if tail_ids.shape[0] >= self.tail_limit:
            segments = self._merged(segments + (self._segment(tail_words, tail_ids),))
            tail_words, tail_ids = _empty_state()[1:]
        self._state = _State(segments, tail_words, tail_ids)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove entries by id, at once; unknown ids are ignored. Returns how many went."""
        ids_arr = _unique(
            np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype=np.int64)
        )
        before = len(self)
        self._state = self._without(self._state, ids_arr)
        return before - len(self)

    def compact(self) -> None:
        """Rebuild everything into one segment (a full rebuild: for a background job)."""
        words, ids = self._entries_words()
        segment = self._segment(words, ids)
        self._state = _State((segment,) if segment.size else (), *_empty_state()[1:])

    @property
    def needs_compaction(self) -> bool:
        """More than a few segments, or a tenth of the stored rows dead."""
        state = self._state
        stored = sum(s.size for s in state.segments)
        dead = sum(s.size - s.live for s in state.segments)
        return len(state.segments) > 8 or dead > max(self.tail_limit, stored // 10)

    # -- reads

    def query(
        self, hashes: np.ndarray | Sequence[str] | str, threshold: int | None = None
    ) -> Matches:
        """Every (query row, id, distance) with distance <= threshold (default: the
        index's), exactly; query one image with its 8 dihedral hashes."""
        t = self.threshold if threshold is None else int(threshold)
        if not 0 <= t <= HASH_BITS:
            raise ValueError("threshold must be between 0 and 256")
        qwords = _to_words(hashes)
        state = self._state
        qs, ids, ds = [], [], []
        for segment in state.segments:
            q, i, d = segment.query(qwords, t)
            qs.append(q)
            ids.append(i)
            ds.append(d)
        if state.tail_ids.shape[0]:
            q, r, d = _scan(state.tail_words, qwords, t)
            qs.append(q)
            ids.append(state.tail_ids[r])
            ds.append(d)
        if not qs:
            empty = np.zeros(0, dtype=np.int64)
            return Matches(empty, empty, empty)
        return _sorted_matches(np.concatenate(qs), np.concatenate(ids), np.concatenate(ds))

    def __len__(self) -> int:
        state = self._state
        return sum(s.live for s in state.segments) + int(state.tail_ids.shape[0])

    def __contains__(self, ident: object) -> bool:
        if not isinstance(ident, int | np.integer):
            return False
        key = np.array([ident], dtype=np.int64)
        state = self._state
        if np.isin(key, state.tail_ids).any():
            return True
        return any(s.find(key).shape[0] for s in state.segments)

    @property
    def nbytes(self) -> int:
        """Bytes held in the index's arrays (hashes, ids, multi-index, tail, tombstones)."""
        state = self._state
        return (
            sum(s.nbytes for s in state.segments) + state.tail_words.nbytes + state.tail_ids.nbytes
        )

    def stats(self) -> dict:
        state = self._state
        return {
            "entries": len(self),
            "threshold": self.threshold,
            "nbytes": self.nbytes,
            "tail": int(state.tail_ids.shape[0]),
            "segments": [
                {
                    "size": s.size,
                    "dead": s.size - s.live,
                    "chunks": s.m,
                    "chunk_bits": s.b,
                    "probes_per_hash": (
                        _probes_per_hash(s.m, s.b, self.threshold) if s.m else None
                    ),
                }
                for s in state.segments
            ],
        }

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(hashes (n, 32) uint8, ids (n,) int64) of the live entries."""
        words, ids = self._entries_words()
        return _words_to_bytes(words).copy(), ids

    def _entries_words(self) -> tuple[np.ndarray, np.ndarray]:
        state = self._state
        parts = [s.live_arrays() for s in state.segments]
        parts.append((state.tail_words, state.tail_ids))
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
        )

    # -- internals

    @staticmethod
    def _validate(hashes, ids) -> tuple[np.ndarray, np.ndarray]:
        words = _to_words(hashes)
        ids_arr = np.asarray(
            ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64
        ).reshape(-1)
        if ids_arr.shape[0] != words.shape[0]:
            raise ValueError("hashes and ids differ in length")
        return words, ids_arr

    def _segment(self, words: np.ndarray, ids: np.ndarray) -> _Segment:
        return _Segment.build(
            words, ids, self.threshold, self.max_bytes_per_hash, self.small_segment_bytes
        )

    def _without(self, state: _State, ids: np.ndarray) -> _State:
        """The state with these ids removed (tombstones; small mostly-dead segments are
        rebuilt, empty ones dropped)."""
        if ids.shape[0] == 0:
            return state
        segments = []
        for segment in state.segments:
            rows = segment.find(ids)
            if rows.shape[0]:
                segment = segment.with_dead(_unique(np.concatenate([segment.dead, rows])))
                if segment.live == 0:
                    continue
                if segment.live * 2 < segment.size and segment.size <= self.merge_limit:
                    segment = self._segment(*segment.live_arrays())
            segments.append(segment)
        tail_words, tail_ids = state.tail_words, state.tail_ids
        if tail_ids.shape[0]:
            keep = ~np.isin(tail_ids, ids)
            if not keep.all():
                tail_words, tail_ids = tail_words[keep], tail_ids[keep]
        return _State(tuple(segments), tail_words, tail_ids)

    def _merged(self, segments: tuple[_Segment, ...]) -> tuple[_Segment, ...]:
        """Merge the newest segment into its predecessor while they are of similar size
        (within 2x) and the result stays under merge_limit: O(log n) segments."""
        segs = list(segments)
        while len(segs) >= 2:
            new, prev = segs[-1], segs[-2]
            if prev.live > 2 * new.live or prev.live + new.live > self.merge_limit:
                break
            w1, i1 = prev.live_arrays()
            w2, i2 = new.live_arrays()
            segs[-2:] = [self._segment(np.concatenate([w1, w2]), np.concatenate([i1, i2]))]
        return tuple(segs)
