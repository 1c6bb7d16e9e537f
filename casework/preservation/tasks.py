"""The beat schedule's purge (hourly, casework.settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from casework.preservation import purge


@shared_task(name="casework.preservation.tasks.purge_expired_evidence")
def purge_expired_evidence() -> int:
    return purge.purge_expired()
