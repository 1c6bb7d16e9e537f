"""The PDQ index against brute force: exact at every threshold, through its own indexed path
and its scan path, before and after adds, removes, merges and compaction; dihedral variants
of real (synthetic) pictures match rotated and flipped copies."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from PIL import Image

from reports.hashing import pdq
from reports.pdq_index import (
    PDQIndex,
    bits_to_bytes,
    brute_force,
    bytes_to_hex,
    dihedral_from_hashes,
    hex_to_bytes,
)
from reports.synthetic import picture

N = 20_000
MAX_PLANTED = 40


def flip_bits(hash_bytes: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(hash_bytes)
    bits[rng.choice(256, size=count, replace=False)] ^= 1
    return np.packbits(bits)


@pytest.fixture(scope="module")
def data():
    """N random hashes, among them near-duplicates of the queries at every distance 0..40
    (several per query, so queries have many matches), plus exact duplicates."""
    rng = np.random.default_rng(20240531)
    hashes = rng.integers(0, 256, size=(N, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, size=(12, 32), dtype=np.uint8)
    rows = rng.choice(N, size=(MAX_PLANTED + 1) * 6 + 4, replace=False)
    k = 0
    for distance in range(MAX_PLANTED + 1):
        for _ in range(6):
            hashes[rows[k]] = flip_bits(queries[rng.integers(len(queries))], distance, rng)
            k += 1
    hashes[rows[k]] = hashes[rows[k + 1]] = queries[0]  # two ids, one hash
    hashes[rows[k + 2]] = hashes[rows[k + 3]] = flip_bits(queries[1], 31, rng)
    ids = rng.permutation(N).astype(np.int64) * 7 - 50_000  # unsorted, some negative
    return hashes, ids, queries


def reference(hashes: np.ndarray, ids: np.ndarray, queries: np.ndarray, threshold: int):
    """Plain bit-by-bit comparison with every stored hash: [(query, id, distance)]."""
    stored_bits = np.unpackbits(hashes, axis=1)
    out = []
    for q, query_bits in enumerate(np.unpackbits(queries, axis=1)):
        distance = (stored_bits != query_bits).sum(axis=1)
        for row in np.flatnonzero(distance <= threshold):
            out.append((q, int(ids[row]), int(distance[row])))
    return sorted(out, key=lambda m: (m[0], m[2], m[1]))


def indexed(index: PDQIndex) -> bool:
    return all(segment["chunks"] > 0 for segment in index.stats()["segments"])


@pytest.mark.parametrize("threshold", [0, 10, 31, 48])
@pytest.mark.parametrize("scanned", [False, True])
def test_query_equals_brute_force(data, threshold, scanned):
    hashes, ids, queries = data
    options = {"max_bytes_per_hash": 40.0, "small_segment_bytes": 0} if scanned else {}
    index = PDQIndex.from_arrays(hashes, ids, threshold, **options)
    expected = reference(hashes, ids, queries, threshold)
    assert index.query(queries).as_tuples() == expected
    assert len(expected) >= 6 * (min(threshold, MAX_PLANTED) + 1)  # the planted ones at least
    if threshold <= 31:
        assert indexed(index) != scanned


def test_indexed_path_at_every_threshold(data):
    """One index, queried at thresholds other than the one its chunking was chosen for."""
    hashes, ids, queries = data
    index = PDQIndex.from_arrays(hashes, ids, 31)
    assert indexed(index)
    for threshold in (0, 1, 5, 15, 16, 30, 31, 32, 40, 64, 130, 256):
        assert index.query(queries, threshold).as_tuples() == reference(
            hashes, ids, queries, threshold
        ), threshold


def test_brute_force_helper_agrees_with_reference(data):
    hashes, ids, queries = data
    assert brute_force(hashes, ids, queries, 31).as_tuples() == reference(hashes, ids, queries, 31)


def test_adds_and_removes_are_visible_at_once(data):
    hashes, ids, queries = data
    rng = np.random.default_rng(7)
    index = PDQIndex.from_arrays(hashes, ids, 31, tail_limit=64, merge_limit=5_000)
    current = dict(zip(ids.tolist(), hashes, strict=True))

    def check():
        live_ids = np.array(list(current), dtype=np.int64)
        live = np.array(list(current.values()), dtype=np.uint8).reshape(-1, 32)
        assert len(index) == len(current)
        assert index.query(queries).as_tuples() == reference(live, live_ids, queries, 31)

    new_id = 10**12
    near = flip_bits(queries[2], 5, rng)
    index.add(near[None, :], [new_id])
    current[new_id] = near
    assert (2, new_id, 5) in index.query(queries).as_tuples()
    assert new_id in index
    check()

    # Re-adding an id replaces its hash.
    far = flip_bits(queries[2], 100, rng)
    index.add(far[None, :], [new_id])
    current[new_id] = far
    assert new_id not in index.query(queries).ids
    check()

    # Remove planted matches of the big segment, and ids that do not exist.
    matched = index.query(queries).ids
    gone = matched[::2]
    assert index.remove(gone.tolist() + [-1, 123456789]) == len(set(gone.tolist()))
    for ident in gone.tolist():
        current.pop(ident)
    assert not np.isin(index.query(queries).ids, gone).any()
    check()
    assert index.remove([-1, 10**15]) == 0
    assert index.remove([]) == 0
    check()

    # Many adds: the tail becomes segments, segments merge; near-duplicates among them.
    for batch in range(40):
        count = int(rng.integers(1, 150))
        new_ids = 2 * 10**12 + batch * 1000 + np.arange(count)
        new_hashes = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
        for j in range(0, count, 7):
            new_hashes[j] = flip_bits(queries[j % len(queries)], int(rng.integers(41)), rng)
        index.add(new_hashes, new_ids)
        current.update(zip(new_ids.tolist(), new_hashes, strict=True))
        if batch % 5 == 4:
            some = rng.choice(np.array(list(current)), size=50, replace=False)
            index.remove(some)
            for ident in some.tolist():
                current.pop(ident)
            check()
    assert len(index.stats()["segments"]) > 1
    check()

    index.compact()
    assert len(index.stats()["segments"]) == 1
    check()

    index.remove(np.array(list(current)))
    current.clear()
    assert len(index) == 0
    assert index.query(queries).as_tuples() == []


def test_add_keeps_last_of_duplicate_ids_and_build_rejects_them():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 256, size=(2, 32), dtype=np.uint8)
    index = PDQIndex()
    index.add(np.stack([a, b]), [5, 5])
    assert len(index) == 1
    assert index.query(b[None, :]).as_tuples() == [(0, 5, 0)]
    with pytest.raises(ValueError):
        PDQIndex().build(np.stack([a, b]), [1, 1])


def test_empty_index_and_memory_accounting(data):
    hashes, ids, queries = data
    empty = PDQIndex()
    assert len(empty) == 0 and empty.nbytes == 0
    assert empty.query(queries).as_tuples() == []
    index = PDQIndex.from_arrays(hashes, ids)
    assert index.nbytes <= max(100 * len(index), 4 << 20)  # small segments: 4 MiB allowed
    big = np.random.default_rng(1).integers(0, 256, size=(200_000, 32), dtype=np.uint8)
    index = PDQIndex.from_arrays(big, np.arange(200_000))
    assert indexed(index)
    assert index.nbytes / len(index) <= 100
    with pytest.raises(ValueError):
        PDQIndex(threshold=300)


def test_hex_round_trip_and_pdqhash_layout():
    rgb = np.asarray(picture(11))
    hex_digest, _quality = pdq(rgb)
    bits, _ = pdqhash.compute(rgb)
    as_bytes = bits_to_bytes(bits)
    assert bytes_to_hex(as_bytes) == [hex_digest]
    assert np.array_equal(hex_to_bytes(hex_digest), as_bytes)
    assert np.array_equal(hex_to_bytes([hex_digest, hex_digest]), np.vstack([as_bytes] * 2))
    with pytest.raises(ValueError):
        hex_to_bytes("abc")
    index = PDQIndex.from_arrays([hex_digest], [1])
    assert index.query(hex_digest).as_tuples() == [(0, 1, 0)]


TRANSFORMS = [
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
]


def dihedral(image: Image.Image) -> np.ndarray:
    hashes, _quality = pdqhash.compute_dihedral(np.asarray(image))
    return bits_to_bytes(np.asarray(hashes))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dihedral_variants_find_rotated_and_flipped_copies(seed):
    original = picture(seed)
    stored = bits_to_bytes(pdqhash.compute(np.asarray(original))[0])
    rng = np.random.default_rng(seed)
    others = rng.integers(0, 256, size=(5000, 32), dtype=np.uint8)
    index = PDQIndex.from_arrays(np.vstack([others, stored]), np.arange(5001))
    original_variants = dihedral(original)
    for transform in TRANSFORMS:
        copy = original.transpose(transform)
        copy_hash = bits_to_bytes(pdqhash.compute(np.asarray(copy))[0])
        # Without the variants the copy is far from the original...
        assert (np.unpackbits(copy_hash) != np.unpackbits(stored)).sum() > 31
        # ...but one of the original's 8 variants is near it,
        distances = (np.unpackbits(original_variants, axis=1) != np.unpackbits(copy_hash)).sum(1)
        assert distances.min() <= 31, transform
        # and the copy's 8 variants find the original in the index.
        assert 5000 in index.query(dihedral(copy)).best_per_id(), transform


def test_dihedral_from_hashes_approximates_pdqhash():
    for seed in range(4):
        expected = dihedral(picture(seed))
        derived = dihedral_from_hashes(expected[0])[0]
        distances = (np.unpackbits(derived, axis=1) != np.unpackbits(expected, axis=1)).sum(1)
        assert distances[0] == 0 and distances[6] == 0  # itself, and the transpose: exact
        assert distances.max() <= 24, distances


def spread_flips(query: np.ndarray, per_chunk: list[int], b: int, outside: int, rng) -> np.ndarray:
    """The query with per_chunk[c] bits flipped inside chunk c (bits [c*b, (c+1)*b) counted
    from the most significant bit of each 64-bit word, the index's layout) and `outside`
    bits flipped beyond the last chunk."""
    words = query.view(np.uint64).copy()
    positions = []
    for c, count in enumerate(per_chunk):
        positions += (c * b + rng.choice(b, size=count, replace=False)).tolist()
    rest = 256 - len(per_chunk) * b
    positions += (len(per_chunk) * b + rng.choice(rest, size=outside, replace=False)).tolist()
    for g in positions:
        words[g // 64] ^= np.uint64(1) << np.uint64(63 - g % 64)
    return words.view(np.uint8)


@pytest.mark.parametrize(
    ("chunking", "threshold"),
    [
        ((11, 22), 31),
        ((12, 21), 31),
        ((14, 17), 31),
        ((16, 16), 31),
        ((11, 22), 20),
        ((13, 19), 48),
    ],
)
def test_tight_cases_of_the_pigeonhole(chunking, threshold):
    """Hashes at distance exactly t whose differences are spread so that only one chunk is
    within its probe radius (and, with bits outside the chunks, one more just beyond): the
    cases where multi-index hashing is exact only if radii and layout are right."""
    from reports.pdq_index.planning import _chunk_keys, _plan, _radii
    from reports.pdq_index.segment import _Segment

    m, b = chunking
    radii = _radii(m, threshold)
    rng = np.random.default_rng(m * 100 + b + threshold)
    queries = rng.integers(0, 256, size=(3, 32), dtype=np.uint8)
    planted, expected_chunk_distances = [], []
    for query in queries:
        for lone in range(m):
            if radii[lone] < 0:
                continue
            per_chunk = [min(r + 1, b) for r in radii]
            per_chunk[lone] = radii[lone]
            cases = [(per_chunk, 0)]
            if m * b < 256 and radii[lone] >= 1:
                fewer = list(per_chunk)
                fewer[lone] -= 1
                cases.append((fewer, 1))
            for counts, outside in cases:
                planted.append(spread_flips(query, counts, b, outside, rng))
                expected_chunk_distances.append(counts)
        planted.append(spread_flips(query, [min(r + 1, b) for r in radii], b, 0, rng))
        expected_chunk_distances.append([min(r + 1, b) for r in radii])
    planted = np.array(planted)
    # The construction does what it says: these are the chunk distances the index sees.
    owner = np.repeat(np.arange(3), len(planted) // 3)
    chunk_distances = np.bitwise_count(
        _chunk_keys(planted.view(np.uint64), m, b)
        ^ _chunk_keys(queries[owner].view(np.uint64), m, b)
    )
    assert chunk_distances.tolist() == expected_chunk_distances

    hashes = np.vstack([rng.integers(0, 256, size=(3000, 32), dtype=np.uint8), planted])
    ids = np.arange(len(hashes), dtype=np.int64)
    segment = _Segment.build(hashes.view(np.uint64), ids, threshold, 100.0, chunking=chunking)
    assert (segment.m, segment.b) == chunking
    # The indexed path itself (at this size query() would rather scan).
    q, found, d = segment._probe(_plan(m, b, threshold), queries.view(np.uint64), threshold)
    got = sorted(zip(q.tolist(), ids[found].tolist(), d.tolist(), strict=True))
    want = sorted(reference(hashes, ids, queries, threshold))
    assert got == want
    assert sum(1 for m_ in want if m_[2] == threshold) >= len(planted) - 3  # the tight ones
