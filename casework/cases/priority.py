"""How urgent a case is, as a number to sort by and as the reasons a person reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince

from reports import api

IMMINENT_DANGER_WEIGHT = 10_000
LIST_MATCH_WEIGHT = 5_000
MAX_COUNTED_REPORTS = 100


def priority_and_reasons(facts: api.ReportFacts) -> tuple[int, list[dict[str, Any]]]:
    """Higher is reviewed sooner: a child in imminent danger first, then a hash-list match,
    then classifier confidence, then how many reports the content drew. Age breaks ties at
    claim time. The reasons say which of these made the number, biggest first."""
    reasons: list[dict[str, Any]] = []
    if facts.child_in_imminent_danger:
        reasons.append({"kind": "imminent_danger"})
    if facts.matches:
        best = facts.matches[0]
        reasons.append({"kind": "list_match", "list": best.list, "distance": best.distance})
    if facts.top_classifier_score:
        reasons.append({"kind": "classifier", "score": round(facts.top_classifier_score, 2)})
    reasons.append({"kind": "reports", "count": facts.count})
    number = (
        IMMINENT_DANGER_WEIGHT * facts.child_in_imminent_danger
        + LIST_MATCH_WEIGHT * facts.hash_list_match
        + int(100 * facts.top_classifier_score) * 10
        + min(facts.count, MAX_COUNTED_REPORTS)
    )
    return number, reasons


def describe(reasons: list[dict[str, Any]], created_at: datetime | None = None) -> list[str]:
    """The stored reasons as short phrases, with the case's age last."""
    phrases = [_phrase(reason) for reason in reasons]
    if created_at is not None:
        phrases.append(f"waiting {timesince(created_at, timezone.now())}")
    return [p for p in phrases if p]


def _phrase(reason: dict[str, Any]) -> str:
    kind = reason.get("kind")
    if kind == "imminent_danger":
        return "child in imminent danger"
    if kind == "list_match":
        return f"list {reason.get('list')} matched at distance {reason.get('distance')}"
    if kind == "classifier":
        return f"classifier score {reason.get('score')}"
    if kind == "reports":
        count = reason.get("count", 0)
        return f"{count} report{'s' if count != 1 else ''}"
    return ""
