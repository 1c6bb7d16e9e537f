"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows an edit inside the log; it cannot show a log rewritten whole, because
anyone who can write the tables can recompute every hash. So every AUDIT_CHECKPOINT_SECONDS
the sealer appends a checkpoint (number, the chain's length, its newest seal and hash, the
time) signed with Ed25519 to a file in AUDIT_CHECKPOINT_DIR, a folder the database cannot
write. verify_audit compares the chain with every checkpoint: a shorter chain, a different
hash at a checkpointed position, or events that appeared below a checkpoint is a rewrite.

Put AUDIT_CHECKPOINT_DIR on storage the database's owner cannot reach (another volume or
host, or copy the file off-host as it grows); the signing key likewise.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.utils import timezone

from casework import signing_keys
from casework.models import AuditSeal

FILE_NAME = "checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    number: int
    events: int  # how many events the chain held
    seal_id: int  # its newest seal
    event_id: int  # the event that seal chains
    head: str  # that seal's hash
    at: str
    signature: str = ""

    def body(self) -> bytes:
        fields = asdict(self) | {"signature": ""}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)


class CheckpointError(Exception):
    """The checkpoint file cannot be trusted: unreadable, or a signature that does not match."""


def signing_key() -> Ed25519PrivateKey:
    """AUDIT_SIGNING_KEY (base64 of 32 bytes, or PEM), or a key made once into
    AUDIT_SIGNING_KEY_FILE."""
    return signing_keys.ed25519_key(
        settings.AUDIT_SIGNING_KEY, Path(settings.AUDIT_SIGNING_KEY_FILE)
    )


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def read_all() -> list[Checkpoint]:
    """Every checkpoint, each signature checked; CheckpointError names the first bad line."""
    path = checkpoint_file()
    if not path.exists():
        return []
    public = signing_key().public_key()
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            checkpoint = Checkpoint(**json.loads(line))
            public.verify(base64.b64decode(checkpoint.signature), checkpoint.body())
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise CheckpointError(
                f"checkpoint line {number} of {path} is not a valid signed checkpoint "
                f"({type(exc).__name__})"
            ) from exc
        found.append(checkpoint)
    return found


@contextlib.contextmanager
def _appending() -> Iterator:
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # one writer at a time, across processes
        yield f


def publish(*, force: bool = True) -> Checkpoint | None:
    """Append a signed checkpoint of the sealed chain as it stands. Unless forced, only when
    the newest is older than AUDIT_CHECKPOINT_SECONDS and the chain has grown since."""
    with _appending() as f:
        f.seek(0)
        lines = f.read().splitlines()
        last = Checkpoint(**json.loads(lines[-1])) if lines else None
        head = AuditSeal.objects.order_by("-id").values("id", "event_id", "hash").first()
        if head is None or (last and last.seal_id == head["id"]):
            return None
        interval = timedelta(seconds=settings.AUDIT_CHECKPOINT_SECONDS)
        if not force and last and timezone.now() - last.when < interval:
            return None
        unsigned = Checkpoint(
            number=(last.number if last else 0) + 1,
            events=AuditSeal.objects.filter(id__lte=head["id"]).count(),
            seal_id=head["id"],
            event_id=head["event_id"],
            head=head["hash"],
            at=timezone.now().isoformat(),
        )
        signature = base64.b64encode(signing_key().sign(unsigned.body())).decode()
        checkpoint = Checkpoint(**(asdict(unsigned) | {"signature": signature}))
        f.write(json.dumps(asdict(checkpoint), sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return checkpoint
