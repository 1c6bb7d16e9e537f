"""Background work on evidence, run by the Celery worker."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reports import leases, vault
from reports.matching import record_matches
from reports.models import Media, MediaVpdq, Report
from reports.processing import process_bytes
from reports.provenance import read_provenance
from reports.signals import report_ready
from reports.vpdq import to_records

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_processing(media_id: int) -> None:
    process_media.apply_async(args=[media_id], queue=settings.MEDIA_QUEUE)


@shared_task(bind=True, acks_late=True, max_retries=None)
def process_media(self, media_id: int) -> None:
    """Hash one media item and make its blurred preview; retry with backoff, then fail visibly.

    Each attempt is counted before it starts (reports/leases.py), so MAX_ATTEMPTS bounds the
    deliveries of a file even when processing it kills the worker."""
    claim = leases.claim(media_id, MAX_ATTEMPTS)
    if claim.outcome == "done":
        return  # already finished (a redelivery) or failed for good
    if claim.outcome == "held":  # another delivery is at work; look again when its lease ends
        raise self.retry(countdown=claim.wait + 1, queue=settings.MEDIA_QUEUE)
    if claim.outcome == "exhausted":
        error = (
            f"gave up after {claim.attempt} attempts: the last did not finish (the worker "
            "processing the file died, for instance killed for memory)"
        )
        _finish(media_id, attempts=claim.attempt, error=error)
        return
    attempt = claim.attempt
    media = Media.objects.get(pk=media_id)
    try:
        with leases.kept(media_id, claim.holder):
            data = vault.load(media.vault_name)
            result = process_bytes(data, media.kind)
            provenance = read_provenance(data, media.content_type)
            preview_name, preview_key = vault.store(result.preview)
    except MemoryError:
        # Over the worker's memory cap: the same file would fail the same way again.
        log.warning("processing media %s needs more memory than the worker may use", media_id)
        limit = settings.WORKER_MEMORY_LIMIT_MB
        error = f"MemoryError: the file needs more memory than a worker may use ({limit} MB)"
        _finish(media_id, attempts=attempt, error=error)
        return
    except Exception as exc:
        log.warning("processing media %s failed (attempt %s): %s", media_id, attempt, exc)
        if attempt >= MAX_ATTEMPTS:
            _finish(media_id, error=f"{type(exc).__name__}: {exc}", attempts=attempt)
            return
        backoff = min(settings.MEDIA_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), 300)
        error = f"attempt {attempt} failed: {type(exc).__name__}: {exc}"
        leases.release_for_retry(media_id, claim.holder, backoff, error)
        raise self.retry(exc=exc, countdown=backoff, queue=settings.MEDIA_QUEUE) from exc
    finished = _finish(
        media_id,
        attempts=attempt,
        fields={
            "sha256": result.sha256,
            "md5": result.md5,
            "sha1": result.sha1,
            "pdq_dihedral": ",".join(result.pdq_dihedral),
            "pdq": result.pdq,
            "pdq_quality": result.pdq_quality,
            "preview_vault_name": preview_name,
            "preview_key_id": preview_key,
            "provenance": provenance,
            "vpdq_frames": len(result.vpdq),
            "keyframe_times": result.keyframe_times,
        },
        vpdq_records=to_records(result.vpdq),
    )
    if not finished:
        vault.discard(preview_name)  # another delivery of this task finished first


def _finish(
    media_id: int,
    *,
    attempts: int,
    fields: dict | None = None,
    error: str = "",
    vpdq_records: str = "",
) -> bool:
    """Record the outcome; False if another delivery of the task recorded one first."""
    with transaction.atomic():
        media = Media.objects.select_for_update().get(pk=media_id)
        if media.status != Media.Status.PENDING:
            return False
        report = Report.objects.select_for_update().get(pk=media.report_id)
        for name, value in (fields or {}).items():
            setattr(media, name, value)
        media.status = Media.Status.FAILED if error else Media.Status.PROCESSED
        media.error = error
        media.attempts = attempts
        media.lease_holder, media.lease_until = "", None
        media.processed_at = timezone.now()
        media.save()
        if vpdq_records:
            MediaVpdq.objects.update_or_create(media=media, defaults={"records": vpdq_records})
        statuses = set(report.media.values_list("status", flat=True))
        if Media.Status.FAILED in statuses:
            report.status = Report.Status.FAILED
        elif statuses == {Media.Status.PROCESSED}:
            report.status = Report.Status.PROCESSED
        report.save(update_fields=["status"])
        if not error:
            record_matches(media)
        if report.status != Report.Status.RECEIVED:
            report_ready.send(sender=Report, report=report)
    return True


@shared_task
def requeue_expired_media() -> int:
    """Queue again media whose processing lease ran out (its worker died) or that were never
    taken up (a lost message, a broker outage)."""
    with transaction.atomic():
        ids = leases.take_expired()
        transaction.on_commit(lambda: [queue_processing(media_id) for media_id in ids])
    if ids:
        log.info("requeued %s media items whose processing stopped", len(ids))
    return len(ids)


@shared_task(acks_late=True)
def rescan_media(after_id: int = 0, batch: int = 500) -> int:
    """Match processed media against the lists as they are now (after an import or a
    change), a batch at a time, each batch queueing the next."""
    media = list(
        Media.objects.filter(status=Media.Status.PROCESSED, pk__gt=after_id).order_by("pk")[:batch]
    )
    for item in media:
        record_matches(item)
    if len(media) == batch:
        rescan_media.delay(media[-1].pk, batch)
    return len(media)


@shared_task(acks_late=True)
def run_hash_import(import_id: int, batch: int = 20_000) -> None:
    """Import an uploaded hash-list file: validate all of it first (a bad line imports
    nothing), then add entries a batch at a time so the admin can show progress."""
    from reports import hashlists
    from reports.models import HashImport

    job = HashImport.objects.select_related("hash_list").get(pk=import_id)
    if job.status != HashImport.Status.QUEUED:
        return
    HashImport.objects.filter(pk=job.pk).update(status=HashImport.Status.RUNNING)
    try:
        with job.file.open("rb") as f:
            text = f.read().decode("utf-8")
        entries = hashlists.parse(text, job.format, job.kind or None)
    except (hashlists.HashListFileError, UnicodeDecodeError, ValueError) as exc:
        HashImport.objects.filter(pk=job.pk).update(
            status=HashImport.Status.FAILED,
            error=f"{exc}; nothing imported",
            finished_at=timezone.now(),
        )
        return
    HashImport.objects.filter(pk=job.pk).update(lines_total=len(entries))

    def progress(lines_done: int, added: int) -> None:
        HashImport.objects.filter(pk=job.pk).update(lines_done=lines_done, added=added)

    hashlists.import_list(
        job.hash_list,
        entries,
        actor="system:hash-import",
        data={"file": Path(job.file.name).name, "import": job.pk},
        batch=batch,
        progress=progress,
    )
    HashImport.objects.filter(pk=job.pk).update(
        status=HashImport.Status.DONE, finished_at=timezone.now()
    )
