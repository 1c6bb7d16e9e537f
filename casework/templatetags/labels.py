"""Template filters that put the stored words in people's terms."""

from __future__ import annotations

import json
from typing import Any

from django import template

from casework.audit import sealed_data
from casework.cases import segments, vocabulary

register = template.Library()


@register.filter
def annotation_label(value: str) -> str:
    """`possibleSelfProduction` -> "Possible self-production"."""
    return vocabulary.annotation_label(value)


@register.filter
def segment_of(media_labels: Any, media_id: Any) -> str:
    """The marked segment of one item in a decision's media labels, as `12.5–20.0 s`."""
    if not isinstance(media_labels, dict):
        return ""
    return segments.describe((media_labels.get(str(media_id)) or {}).get("segment"))


@register.filter
def readable_items(data: Any) -> list[tuple[str, str]]:
    """An audit event's data as (name, value) pairs: names with spaces, lists joined, nested
    objects as compact JSON; never Python's dict text."""
    if not isinstance(data, dict):
        return [("", json.dumps(data, default=str))] if data not in (None, "", {}) else []
    opened = sealed_data.opened(data)
    return [(str(key).replace("_", " "), _text(value)) for key, value in opened.items()]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False, separators=(", ", ": "))
