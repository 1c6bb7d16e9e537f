"""Background work on evidence, run by the Celery worker."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reports import vault
from reports.matching import record_matches
from reports.models import Media, Report
from reports.processing import process_bytes
from reports.provenance import read_provenance
from reports.signals import report_ready

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALLED_AFTER = timedelta(minutes=10)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def process_media(self, media_id: int) -> None:
    """Hash one media item and make its blurred preview; retry with backoff, then fail visibly."""
    media = Media.objects.filter(pk=media_id, status=Media.Status.PENDING).first()
    if media is None:
        return  # already done (a redelivery) or failed for good
    try:
        data = vault.load(media.vault_name)
        result = process_bytes(data, media.kind)
        provenance = read_provenance(data, media.content_type)
        preview_name, preview_key = vault.store(result.preview)
    except Exception as exc:
        attempt = self.request.retries + 1
        log.warning("processing media %s failed (attempt %s): %s", media_id, attempt, exc)
        if attempt >= MAX_ATTEMPTS:
            _finish(media_id, error=f"{type(exc).__name__}: {exc}", attempts=attempt)
            return
        Media.objects.filter(pk=media_id).update(
            attempts=attempt, error=f"attempt {attempt} failed: {type(exc).__name__}: {exc}"
        )
        backoff = settings.MEDIA_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1)
        raise self.retry(exc=exc, countdown=min(backoff, 300)) from exc
    finished = _finish(
        media_id,
        attempts=self.request.retries + 1,
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
        },
    )
    if not finished:
        vault.discard(preview_name)  # another delivery of this task finished first


def _finish(media_id: int, *, attempts: int, fields: dict | None = None, error: str = "") -> bool:
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
        media.processed_at = timezone.now()
        media.save()
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
def requeue_stalled_media() -> int:
    """Queue again media left pending too long (a lost message, a broker outage)."""
    cutoff = timezone.now() - STALLED_AFTER
    ids = list(
        Media.objects.filter(status=Media.Status.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    for media_id in ids:
        process_media.delay(media_id)
    if ids:
        log.info("requeued %s stalled media items", len(ids))
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
