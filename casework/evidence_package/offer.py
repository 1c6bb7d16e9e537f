"""Whether the case page offers the evidence package, and what it shows beside the button."""

from __future__ import annotations

from typing import Any

from casework import permissions
from casework.evidence_package import keys


def evidence_export(decisions: list[Any], user: Any) -> dict[str, str] | None:
    """For an escalation lead on a case whose standing decision a lead approved: the
    signing key's fingerprint; None when the page offers no export."""
    standing = [d for d in decisions if d.returned_at is None]
    newest = max(standing, key=lambda d: d.decided_at, default=None)
    if not permissions.may_export_evidence(user) or newest is None or not newest.approved_at:
        return None
    return {"fingerprint": keys.fingerprint()}
