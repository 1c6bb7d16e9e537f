"""The worker's schedule (celery beat): every periodic task, in one place."""

from __future__ import annotations

from typing import Any


def beat_schedule(
    *, media_sweep_seconds: int, exchange_fetch_minutes: int = 60
) -> dict[str, dict[str, Any]]:
    return {
        "requeue-expired-media": {
            "task": "reports.tasks.requeue_expired_media",
            "schedule": float(media_sweep_seconds),
        },
        "seal-audit-events": {
            "task": "casework.audit.tasks.seal_audit_events",
            "schedule": 1.0,
        },
        "file-unfiled-reports": {
            "task": "casework.cases.tasks.file_unfiled_reports",
            "schedule": 60.0,
        },
        "drive-due-escalations": {
            "task": "casework.escalation.tasks.drive_due_escalations",
            "schedule": 30.0,
        },
        "deliver-due-webhooks": {
            "task": "casework.escalation.tasks.deliver_due_webhooks",
            "schedule": 30.0,
        },
        "remind-manual-escalations": {
            "task": "casework.escalation.tasks.remind_manual_escalations",
            "schedule": 900.0,  # at most once per ESCALATION_MANUAL_REMINDER_HOURS each
        },
        "purge-expired-evidence": {
            "task": "casework.preservation.tasks.purge_expired_evidence",
            "schedule": 3600.0,
        },
        "fetch-enabled-exchanges": {
            "task": "reports.exchanges.tasks.fetch_enabled_exchanges",
            "schedule": 60.0 * exchange_fetch_minutes,
        },
    }
