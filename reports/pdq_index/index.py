"""PDQIndex: segments in an LSM tree with a scanned tail, swapped whole on every write."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from reports.pdq_index.hashes import DEFAULT_THRESHOLD, HASH_BITS, _to_words, _words_to_bytes
from reports.pdq_index.planning import _probes_per_hash
from reports.pdq_index.scan import Matches, _scan, _sorted_matches, _unique
from reports.pdq_index.segment import _Segment

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
