"""Queueing a drive of one escalation for the worker. By the task's name, so the outbox and
the tasks that call it do not import each other."""

from __future__ import annotations

from celery import current_app
from django.conf import settings

DRIVE_TASK = "casework.escalation.tasks.drive_escalation"


def enqueue(escalation_id: int, countdown: float = 0) -> None:
    current_app.send_task(
        DRIVE_TASK, args=[escalation_id], countdown=countdown, queue=settings.ESCALATION_QUEUE
    )


def enqueue_task(task: str, object_id: int, countdown: float = 0) -> None:
    """Queue another outbox task (the webhook's) by name, on the escalation queue."""
    current_app.send_task(
        task, args=[object_id], countdown=countdown, queue=settings.ESCALATION_QUEUE
    )
