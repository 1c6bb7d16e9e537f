"""Audit events for what happens outside casework's own actions: intake (tokens made, hash
lists changed), signing in and out, and changes made in the Django admin. A received
report's event is written by the database in the statement that stores the report
(migration 0025). Failed and refused sign-ins are recorded by the sign-in throttle
(casework/signin_throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from casework import signin_throttle
from casework.audit import chain as audit
from reports.signals import (
    exchange_fetched,
    hash_entries_quarantined,
    hash_list_changed,
    intake_token_created,
    personal_data_resealed,
)


@receiver(personal_data_resealed)
def audit_personal_data_resealed(sender: Any, key_id: str, counts: dict, **kwargs: Any) -> None:
    audit.record(
        "personal_data.resealed",
        actor="system:reseal_personal_data",
        target=f"evidence_key:{key_id}",
        data={"rows": counts},
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
    audit.by_user(
        instance.user,
        f"config.{kind}",
        target=f"{instance.content_type.app_label}.{instance.content_type.model}:{instance.object_id}",
        data={"object": instance.object_repr, "change": instance.get_change_message()},
    )


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.by_user(
        user,
        "login.succeeded",
        target=f"user:{user.get_username()}",
        data={"address": signin_throttle.client_address(request) if request else None},
    )


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.by_user(
            user,
            "logout",
            target=f"user:{user.get_username()}",
        )


@receiver(hash_list_changed)
def audit_hash_list_change(
    sender: Any, hash_list: Any, action: str, actor: str, data: dict, **kwargs: Any
) -> None:
    audit.record(f"hash_list.{action}", actor=actor, target=f"hash_list:{hash_list.pk}", data=data)


@receiver(hash_entries_quarantined)
def audit_hash_entries_quarantined(
    sender: Any, entry_ids: list[int], reason: str, **kwargs: Any
) -> None:
    for entry_id in entry_ids:
        audit.record(
            "hash_entry.quarantined",
            actor="system:hygiene",
            target=f"hash_entry:{entry_id}",
            data={"reason": reason},
        )


@receiver(exchange_fetched)
def audit_exchange_fetch(sender: Any, exchange: Any, actor: str, data: dict, **kwargs: Any) -> None:
    audit.record("exchange.fetched", actor=actor, target=f"exchange:{exchange.pk}", data=data)
