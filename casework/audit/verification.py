"""Verifying the audit log as a whole: the hash chain against every signed checkpoint, and
no event quietly slipped in below one. verify_audit and the auditor's page both use it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

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
    if not signed and (missing := _missing_checkpoints()):
        return ChainReport(0, None, missing)
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


def _missing_checkpoints() -> str:
    """The sealer checkpoints every AUDIT_CHECKPOINT_SECONDS: a log older than two intervals
    with no checkpoint at all has lost its checkpoint file (or never had a worker)."""
    oldest = AuditEvent.objects.order_by("id").values_list("at", flat=True).first()
    allowed = timedelta(seconds=2 * settings.AUDIT_CHECKPOINT_SECONDS) + COMMIT_GRACE
    if oldest is None or timezone.now() - oldest < allowed:
        return ""
    return (
        f"no signed checkpoint in {checkpoints.checkpoint_file()} although the log holds "
        f"events since {oldest.isoformat(timespec='seconds')}: the checkpoint file is "
        "missing, or the worker's sealer has never run"
    )
