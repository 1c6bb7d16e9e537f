"""Verifying the audit log as a whole: the hash chain against every signed checkpoint, and
no event quietly slipped in below one. verify_audit and the auditor's page both use it."""

from __future__ import annotations

from datetime import timedelta

from casework.audit import checkpoints
from casework.audit.chain import ChainReport, seal_all, verify_chain
from casework.models import AuditEvent

# An event takes its id before it commits: one can be sealed a moment after a checkpoint
# that covers higher ids. Older than this before the checkpoint, it was put there later.
COMMIT_GRACE = timedelta(seconds=60)


def verify_log(*, seal: bool) -> ChainReport:
    """Check the chain against the checkpoints; with `seal`, first seal what is pending,
    unless events appeared below the newest checkpoint (those are reported, never sealed)."""
    try:
        signed = checkpoints.read_all()
    except checkpoints.CheckpointError as exc:
        return ChainReport(0, None, str(exc))
    if signed:
        newest = signed[-1]
        appeared = list(
            AuditEvent.objects.filter(
                seal__isnull=True, id__lte=newest.event_id, at__lt=newest.when - COMMIT_GRACE
            )
            .order_by("id")
            .values_list("id", flat=True)[:20]
        )
        if appeared:
            ids = ", ".join(f"#{i}" for i in appeared)
            return ChainReport(
                0,
                appeared[0],
                f"events appeared below signed checkpoint #{newest.number} ({newest.at}) "
                f"without a seal: {ids}; they were not sealed",
            )
    if seal:
        seal_all()
    return verify_chain(checkpoints=signed)
