"""Sealing stored personal data again under the current evidence key, after a rotation.

A new key put first in EVIDENCE_KEYS seals what is written from then on; rows sealed before
stay readable while their key is listed. Resealing moves them to the new key (their digests
too), so a key that may have leaked protects nothing that is still stored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, Func, Value

from reports import sealing
from reports.sealed_fields import DigestField, SealedField

BATCH = 500


def sealed_models() -> list[tuple[type[models.Model], list[SealedField], list[DigestField]]]:
    """Every model with sealed fields, with those fields and its digest fields."""
    found = []
    for model in apps.get_models():
        sealed = [f for f in model._meta.concrete_fields if isinstance(f, SealedField)]
        if sealed:
            digests = [f for f in model._meta.concrete_fields if isinstance(f, DigestField)]
            found.append((model, sealed, digests))
    return found


def under_older_keys(model: type[models.Model], field: SealedField) -> models.QuerySet:
    """The rows whose field is sealed under a key other than the current one."""
    head = sealing.prefix(sealing.current_key_id())
    return model.objects.alias(
        seal_head=Func(
            F(field.name),
            Value(1),
            Value(len(head)),
            function="substring",
            output_field=models.BinaryField(),
        )  # fmt: skip
    ).exclude(seal_head=head)


def reseal_all(progress: Callable[[str, int], None] = lambda label, done: None) -> dict[str, int]:
    """Reseal every row not yet under the current key, BATCH rows per transaction; returns
    the rows resealed per model label. Safe to stop and run again."""
    counts: dict[str, int] = {}
    for model, sealed, digests in sealed_models():
        label = model._meta.label
        names = [f.name for f in (*sealed, *digests)]
        # All of a row's sealed fields are written together, so its first tells its key.
        pending = under_older_keys(model, sealed[0]).order_by("pk")
        done = 0
        while True:
            with transaction.atomic():
                rows = list(pending.select_for_update(skip_locked=True)[:BATCH])
                if not rows:
                    break
                for row in rows:
                    for digest in digests:
                        digest.pre_save(row, add=False)
                model.objects.bulk_update(rows, names)
            done += len(rows)
            progress(label, done)
        counts[label] = done
    return counts
