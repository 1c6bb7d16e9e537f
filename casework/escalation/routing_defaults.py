"""The routing rules there are before an admin edits any: the issue's defaults. Made by the
data migration, and again whenever the table is empty (a flushed test database, a fresh
install), as the default queues are; to route nowhere, disable the rules, do not delete them."""

from __future__ import annotations

from typing import Any

DEFAULT_RULES: list[tuple[int, str, dict[str, Any], str]] = [
    # position, description (shown to the approving lead), conditions, target
    (10, "a report has a US nexus (jurisdiction US)", {"jurisdictions": ["US"]}, "ncmec"),
    (20, "a report is UK-linked (jurisdiction GB)", {"jurisdictions": ["GB"]}, "nca"),
    (30, "the service is in the UK (SERVICE_COUNTRY GB)", {"service_countries": ["GB"]}, "nca"),
    (
        40,
        "the content is publicly reachable (a report carries a content URL)",
        {"publicly_reachable": "yes"},
        "iwf",
    ),
    (50, "a report has a Canadian nexus (jurisdiction CA)", {"jurisdictions": ["CA"]}, "cybertip"),
]


def ensure_default_rules(rule_model: Any = None, using: str = "default") -> None:
    """Create the default rules when there are none."""
    if rule_model is None:
        from casework.escalation.models import RoutingRule as rule_model
    rules = rule_model.objects.using(using)
    if rules.exists():
        return
    for position, description, conditions, target in DEFAULT_RULES:
        rules.create(position=position, description=description, target=target, **conditions)
