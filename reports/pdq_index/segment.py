"""One immutable segment: hashes sorted by id, with per-chunk lookup tables (or none: scanned)."""

from __future__ import annotations

import sys

import numpy as np

from reports.pdq_index.planning import (
    _BUILD_BLOCK,
    _COST_SCAN,
    _choose_chunking,
    _chunk_keys,
    _key,
    _mih_cost,
    _Plan,
    _plan,
)
from reports.pdq_index.scan import _id_dtype, _member, _row_popcount, _scan, _unique

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
