"""Which list entries are matched at all, and how close a PDQ match must be on each list.

A list is matched when it is enabled and its switch for the entry's kind is on; an entry a
lead disabled matches nothing (reports.hygiene). A list's pdq_distance, when set, replaces
PDQ_MATCH_DISTANCE for its PDQ entries (image matches and video frames alike); the index is
queried at the largest distance of any list and each hit is then held to its own list's.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max, Q
from django.db.models.functions import Coalesce

from reports.models import HashEntry, HashList

KIND_SWITCHES = {kind: f"match_{kind}" for kind in HashEntry.Kind.values}


def matched(kind: str, prefix: str = "") -> Q:
    """The entries of this kind that are matched (prefix: a path to the entry, e.g. entry__)."""
    return Q(
        **{
            f"{prefix}kind": kind,
            f"{prefix}hash_list__enabled": True,
            f"{prefix}hash_list__{KIND_SWITCHES[kind]}": True,
        }
    ) & ~Q(**{f"{prefix}state": HashEntry.State.DISABLED})


def widest_pdq_distance() -> int:
    """The largest PDQ distance any matched list asks for (the index is queried at it)."""
    default = settings.PDQ_MATCH_DISTANCE
    lists = HashList.objects.filter(enabled=True, match_pdq=True)  # few rows, not entries
    widest = lists.aggregate(d=Max(Coalesce("pdq_distance", default)))["d"]
    return default if widest is None else int(widest)


def within_list_distance(found: dict[int, int]) -> dict[int, int]:
    """The PDQ hits (entry id -> distance) within their own list's distance."""
    if not found:
        return {}
    default = settings.PDQ_MATCH_DISTANCE
    allowed = dict(
        HashEntry.objects.filter(pk__in=found).values_list(
            "pk", Coalesce("hash_list__pdq_distance", default)
        )
    )
    return {e: d for e, d in found.items() if e in allowed and d <= allowed[e]}
