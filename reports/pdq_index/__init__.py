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

from reports.pdq_index.hashes import (
    DEFAULT_THRESHOLD,
    HASH_BITS,
    HASH_BYTES,
    bits_to_bytes,
    bytes_to_hex,
    dihedral_from_hashes,
    hex_to_bytes,
)
from reports.pdq_index.index import PDQIndex
from reports.pdq_index.scan import Matches, brute_force

__all__ = [
    "DEFAULT_THRESHOLD",
    "HASH_BITS",
    "HASH_BYTES",
    "Matches",
    "PDQIndex",
    "bits_to_bytes",
    "brute_force",
    "bytes_to_hex",
    "dihedral_from_hashes",
    "hex_to_bytes",
]
