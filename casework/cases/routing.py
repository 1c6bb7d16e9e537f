"""Which queue a report's case goes to, and the queues there are before anyone sets any."""

from __future__ import annotations

from typing import Any

from casework import roles
from casework.models import Queue

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


def route(report: Any) -> Queue:
    """The first queue (by position) that takes this report; the last queue takes the rest."""
    ensure_default_queues()
    queues = list(Queue.objects.all())
    for queue in queues:
        if (
            (not queue.reasons or report.reason in queue.reasons)
            and (not queue.sources or report.source in queue.sources)
            and (not queue.jurisdictions or report.jurisdiction in queue.jurisdictions)
        ):
            return queue
    return queues[-1]
