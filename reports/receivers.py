"""The reports app's own answers to its signals."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.signals import hash_list_changed
from reports.tasks import rescan_media


@receiver(hash_list_changed)
def rescan_after_import(sender: Any, hash_list: Any, data: dict, **kwargs: Any) -> None:
    """New entries on a list: check the media already stored against them, once committed."""
    if data.get("added"):
        transaction.on_commit(rescan_media.delay)
