"""How long what went to the NCA is kept, and whether a case routed to NCMEC also goes to
the NCA.

SI 2025/368 Part 4 asks a provider to keep the NCA's reference of each report (Casework
keeps it for NCA_REFERENCE_KEEP_DAYS, default 5 years) and the data it reported
(NCA_DATA_KEEP_DAYS, default 1 year, the least the settings take). In Casework:

- the reference is the escalation's ``hotline_id``. Escalations are never deleted (their
  rows are protected), so it is kept at least that long; ``nca_retention`` says from when it
  may be deleted, and nothing deletes it today;
- the reported files are preserved from the submission for the longer of
  EVIDENCE_PRESERVE_DAYS and NCA_DATA_KEEP_DAYS (casework/preservation/escalated.py asks
  ``data_keep_days``), so the purge leaves them until then;
- the sealed record of the report sent (EscalationDocument) is kept like every escalation
  record; it holds no content bytes (documents.for_the_record).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

TARGET = "nca"


@dataclass(frozen=True)
class NcaRetention:
    data_until: datetime  # the reported data may be purged after this
    reference_until: datetime  # the NCA's reference may be deleted after this


def nca_retention(submitted_at: datetime) -> NcaRetention:
    """What may be purged when, for an NCA report submitted at `submitted_at`."""
    return NcaRetention(
        data_until=submitted_at + timedelta(days=settings.NCA_DATA_KEEP_DAYS),
        reference_until=submitted_at + timedelta(days=settings.NCA_REFERENCE_KEEP_DAYS),
    )


def data_keep_days(target: str) -> int:
    """The least days a hotline report's files are kept after submission, for `target`
    beyond EVIDENCE_PRESERVE_DAYS (0: no further span)."""
    return settings.NCA_DATA_KEEP_DAYS if target == TARGET else 0


def nca_wanted(routes: Iterable) -> bool:
    """For the routing code: may a case routed to `routes` (Route objects or target names)
    also go to the NCA? False only when it goes to NCMEC and NCA_ALSO_WHEN_NCMEC is off (a
    service exempt because it already reports to a comparable body). Whether the case is
    UK-linked at all is the routing rule's question, not this one's."""
    targets = {getattr(r, "target", r) for r in routes}
    return settings.NCA_ALSO_WHEN_NCMEC or "ncmec" not in targets
