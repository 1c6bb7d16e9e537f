"""How a vpdq hash-list entry is stored: its frames in threatexchange's serialization
(checked and rewritten compactly), and as its value the SHA-256 of that text, so that the
list's unique (kind, value) and its index hold for videos as for the other kinds."""

from __future__ import annotations

import hashlib

from reports import vpdq


def stored(serialized: str) -> tuple[str, str]:
    """(value, frames) for a vpdq entry read from a file; ValueError saying what is wrong."""
    frames = vpdq.to_threatexchange(vpdq.from_threatexchange(serialized))
    return hashlib.sha256(frames.encode()).hexdigest(), frames
