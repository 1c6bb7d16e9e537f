"""The audit log: every access and change, append-only and hash-chained.

chain.py records events and seals them into the chain; reading.py is the audited way to read
and export the log; receivers.py turns what happens elsewhere (intake, sign-in, the Django
admin) into events; tasks.py seals in the background.
"""

from casework.audit.chain import (
    GENESIS,
    ChainReport,
    PendingEvent,
    by_user,
    event_hash,
    record,
    record_many,
    seal_all,
    seal_pending,
    user_actor,
    verify_chain,
)

__all__ = [
    "GENESIS",
    "ChainReport",
    "PendingEvent",
    "by_user",
    "event_hash",
    "record",
    "record_many",
    "seal_all",
    "seal_pending",
    "user_actor",
    "verify_chain",
]
