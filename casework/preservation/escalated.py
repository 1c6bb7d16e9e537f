"""Evidence in a hotline report is preserved from the report's submission: its year (18 U.S.C.
2258A(h), as amended by the REPORT Act; the NCA's year too) runs from then, and a later
submission of the same file extends it, never shortens it."""

from __future__ import annotations

from datetime import datetime, timedelta

from casework import audit
from casework.escalation.models import Escalation
from casework.hotlines.nca.retention import data_keep_days
from casework.preservation.policy import ACTOR, LAW, preserved_until
from reports import api


def media_ids_of(escalation: Escalation) -> list[int]:
    """The media files the escalation's report carries (its own case's and account files)."""
    keys = escalation.files.filter(key__startswith="media:").values_list("key", flat=True)
    return sorted(int(key.split(":", 1)[1]) for key in keys)


def preserve_escalated(escalation: Escalation, submitted_at: datetime) -> int:
    """Preserve the escalation's files for the span after submitted_at, audited; inside the
    submission's transaction. Returns how many files' preservation was extended."""
    # The NCA's span (NCA_DATA_KEEP_DAYS) may be longer than the US year: the longer holds.
    target_span = timedelta(days=data_keep_days(escalation.target))
    until = max(preserved_until(submitted_at), submitted_at + target_span)
    media_ids = media_ids_of(escalation)
    reason = (
        f"In {escalation.target.upper()} report {escalation.hotline_id}, submitted "
        f"{submitted_at:%Y-%m-%d}: {LAW}"
    )
    extended = api.preserve_media(media_ids, until, reason)
    if media_ids:
        audit.record(
            "evidence.preserved",
            actor=ACTOR,
            target=f"case:{escalation.case_id}",
            data={
                "escalation": escalation.pk,
                "media": media_ids,
                "until": until.isoformat(),
                "extended": extended,
                "why": reason,
            },
        )
    return extended
