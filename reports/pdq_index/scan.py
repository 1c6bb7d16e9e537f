"""Matches and the exact scan every lookup falls back to (and the brute-force reference)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reports.pdq_index.hashes import DEFAULT_THRESHOLD, HASH_BITS, _to_words


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


def _row_popcount(x: np.ndarray) -> np.ndarray:
    """Popcount of each row of a contiguous (n, 4) uint64 array, as uint32 (whole-array
    operations only: numpy is slow on an axis of length 4)."""
    counts = np.bitwise_count(x).view(np.uint32).reshape(-1)  # 4 byte counts per row
    pairs = (counts & np.uint32(0x00FF00FF)) + ((counts >> np.uint32(8)) & np.uint32(0x00FF00FF))
    return (pairs & np.uint32(0xFFFF)) + (pairs >> np.uint32(16))
