"""Casework's answers to what happens in the reports app and the Django admin: audit events,
and filing ready reports into cases."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from casework import audit
from reports.signals import (
    hash_list_changed,
    intake_token_created,
    report_ready,
    report_received,
)

log = logging.getLogger(__name__)


@receiver(report_received)
def audit_report_received(sender: Any, report: Any, platform: Any, **kwargs: Any) -> None:
    audit.record(
        "report.received",
        actor=f"platform:{platform.name}",
        target=f"report:{report.pk}",
        data={
            "source": report.source,
            "external_id": report.external_id,
            "reason": report.reason,
        },
    )


@receiver(intake_token_created)
def audit_token_created(sender: Any, token: Any, created_by: str, **kwargs: Any) -> None:
    audit.record(
        "intake_token.created",
        actor=created_by,
        target=f"intake_token:{token.pk}",
        data={"platform": token.platform.name, "prefix": token.prefix},
    )


@receiver(post_save, sender=LogEntry)
def audit_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Every add, change or delete made in the Django admin becomes an audit event."""
    if not created:
        return
    kind = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "touched")
    audit.record(
        f"config.{kind}",
        actor=f"user:{instance.user.get_username()}",
        actor_user=instance.user,
        target=f"{instance.content_type.app_label}.{instance.content_type.model}:{instance.object_id}",
        data={"object": instance.object_repr, "change": instance.get_change_message()},
    )


@receiver(report_ready)
def file_ready_report(sender: Any, report: Any, **kwargs: Any) -> None:
    """Once committed, file the report into its case in the background."""
    from casework.tasks import file_report

    report_id = report.pk
    transaction.on_commit(lambda: _enqueue_filing(file_report, report_id))


def _enqueue_filing(task: Any, report_id: int) -> None:
    try:
        task.delay(report_id)
    except Exception:
        log.exception("could not queue filing of report %s; the sweep will retry", report_id)


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        "login.succeeded",
        actor=audit.user_actor(user),
        actor_user=user,
        target=f"user:{user.get_username()}",
        data={"address": request.META.get("REMOTE_ADDR") if request else None},
    )


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(
            "logout",
            actor=audit.user_actor(user),
            actor_user=user,
            target=f"user:{user.get_username()}",
        )


@receiver(user_login_failed)
def count_failed_login(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    from casework import accounts

    address = (request.META.get("REMOTE_ADDR") if request else None) or "0.0.0.0"  # noqa: S104
    accounts.record_failure(credentials.get("username") or "", address)


@receiver(hash_list_changed)
def audit_hash_list_change(
    sender: Any, hash_list: Any, action: str, actor: str, data: dict, **kwargs: Any
) -> None:
    audit.record(f"hash_list.{action}", actor=actor, target=f"hash_list:{hash_list.pk}", data=data)
