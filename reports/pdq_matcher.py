"""The worker's PDQ index over the enabled hash lists, kept in step with the database.

Each worker process holds one index. Before answering, it reads two numbers from the
database: new entries (ids above the highest it holds) are added in place; if entries went
away or a list was switched on or off, it rebuilds. So every process answers from the lists
as they are now, without a full rebuild for the common case of additions.
"""

from __future__ import annotations

import threading

import numpy as np
from django.db.models import Count, Max

from reports.models import HashEntry
from reports.pdq_index import PDQIndex, hex_to_bytes

_lock = threading.Lock()
_state: dict[str, object] = {"index": None, "threshold": None, "lists": None, "top": 0, "n": 0}


def _entries():
    return HashEntry.objects.filter(kind=HashEntry.Kind.PDQ, hash_list__enabled=True)


def _load(index: PDQIndex, above_id: int) -> None:
    rows = list(_entries().filter(pk__gt=above_id).values_list("pk", "value"))
    if rows:
        ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
        index.add(hex_to_bytes([value for _, value in rows]), ids)


def sync(threshold: int) -> PDQIndex:
    """The index, brought up to date with the database."""
    with _lock:
        summary = _entries().aggregate(n=Count("pk"), top=Max("pk"))
        n, top = summary["n"], summary["top"] or 0
        lists = tuple(sorted(_entries().values_list("hash_list_id", flat=True).distinct()))
        index = _state["index"]
        stale = (
            index is None
            or _state["threshold"] != threshold
            or _state["lists"] != lists
            or top < _state["top"]
        )
        if stale:
            index = PDQIndex(threshold)
            _load(index, 0)
        elif top > _state["top"]:
            _load(index, _state["top"])
        if len(index) != n:  # something was removed: start again from the database
            index = PDQIndex(threshold)
            _load(index, 0)
        _state.update(index=index, threshold=threshold, lists=lists, top=top, n=n)
        return index


def query(hex_hashes: list[str], threshold: int) -> dict[int, int]:
    """{entry id: smallest distance} over the given hashes (an image's dihedral variants)."""
    index = sync(threshold)
    if len(index) == 0:
        return {}
    return index.query(hex_to_bytes(hex_hashes)).best_per_id()
