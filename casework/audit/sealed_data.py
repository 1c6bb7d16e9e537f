"""Personal data inside an audit event's data (a search for an uploader's email address):
sealed under the evidence keys as `<name>_sealed`, opened only where people read the log.
The chain covers the sealed form, so verifying the log never needs the keys."""

from __future__ import annotations

from typing import Any

from reports import api

CONTEXT = "casework_auditevent.data"
SUFFIX = "_sealed"


def sealed(name: str, value: str) -> dict[str, str]:
    return {name + SUFFIX: api.seal_text(value, CONTEXT)}


def opened(data: dict[str, Any]) -> dict[str, Any]:
    """data with each sealed value opened under its plain name."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(key, str) and key.endswith(SUFFIX) and isinstance(value, str):
            try:
                result[key.removesuffix(SUFFIX)] = api.unseal_text(value, CONTEXT)
            except api.SealError:
                result[key.removesuffix(SUFFIX)] = "(sealed under a key no longer configured)"
        else:
            result[key] = value
    return result
