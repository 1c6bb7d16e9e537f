"""Development secrets for the embedded run, made once and kept in the data folder."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path


def load_or_create(path: Path) -> dict[str, str]:
    """Read the development secrets file, creating it (mode 0600) on first use."""
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    values = {"secret_key": secrets.token_urlsafe(50), "evidence_keys": f"dev1:{key}"}
    # Write aside, then link into place: two processes starting at once agree on one file.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return json.loads(path.read_text())


def derived(secret: str, purpose: str) -> str:
    """A development secret for one purpose, following from another: made once, like it."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()
