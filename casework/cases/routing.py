"""Which queue a report's case goes to, and the queues there are before anyone sets any."""

from __future__ import annotations

from typing import Any

from casework import roles
from casework.models import Queue
from reports import api

DEFAULT_QUEUES = [
    # slug, name, reasons, deadline hours, position
    ("csam", "CSAM", ["csam"], 24, 10),
    ("csam-ai", "AI-generated CSAM", ["csam_ai_generated"], 24, 20),
    ("other", "Other", [], 72, 90),
]


def ensure_default_queues(queue_model: type[Queue] = Queue, using: str = "default") -> None:
    """Create the default queues when there are none, so every report has somewhere to go."""
    queues = queue_model.objects.using(using)
    if queues.exists():
        return
    for slug, name, reasons, hours, position in DEFAULT_QUEUES:
        queues.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "reasons": reasons,
                "roles": list(roles.REVIEW_ROLES),
                "deadline_hours": hours,
                "position": position,
            },
        )


CSAM_REASON = "csam"


def route(
    report: Any, facts: api.ReportFacts, queues: list[Queue] | None = None
) -> tuple[Queue, str]:
    """The queue for a new case and why: the CSAM queue when its media match a CSAM list
    (whatever reason the platform gave), else the first queue (by position) that takes the
    report; the last queue takes the rest. queues: all of them in order, if already read."""
    queues = queues if queues is not None else all_queues()
    matched = csam_route(facts, queues)
    if matched is not None:
        return matched
    for queue in queues:
        if (
            (not queue.reasons or report.reason in queue.reasons)
            and (not queue.sources or report.source in queue.sources)
            and (not queue.jurisdictions or report.jurisdiction in queue.jurisdictions)
        ):
            return queue, f"{queue.name} queue because: {_takes(queue, report)}"
    return queues[-1], f"{queues[-1].name} queue because: no other queue takes the report"


def csam_route(
    facts: api.ReportFacts, queues: list[Queue] | None = None
) -> tuple[Queue, str] | None:
    """The CSAM queue and why, when the media match a CSAM list (every list Casework keeps
    but the negative ones, whose matches suppress all others); None otherwise."""
    if not facts.matches:
        return None
    queues = queues if queues is not None else all_queues()
    queue = next((q for q in queues if CSAM_REASON in q.reasons), None)
    if queue is None:
        return None
    best = facts.matches[0]
    why = f"list {best.list} matched at distance {best.distance}"
    return queue, f"{queue.name} queue because: {why}"


def all_queues() -> list[Queue]:
    """Every queue in order (the default ones made first if there are none)."""
    ensure_default_queues()
    return list(Queue.objects.all())


def _takes(queue: Queue, report: Any) -> str:
    said = []
    if queue.reasons:
        said.append(f"the platform gave reason {report.reason}")
    if queue.sources:
        said.append(f"source {report.source}")
    if queue.jurisdictions:
        said.append(f"jurisdiction {report.jurisdiction}")
    return ", ".join(said) or "it takes any report"
