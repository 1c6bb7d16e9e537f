"""Demo data for the embedded run: one user per role, a demo platform, synthetic reports.

Loading twice adds nothing twice: users and token are remembered in the data folder (a file
only its owner may read) and reports are idempotent on their external ids.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from casework import accounts, roles
from reports import api

DEMO_USERS = {
    "reviewer": roles.REVIEWER,
    "lead": roles.ESCALATION_LEAD,
    "lead2": roles.ESCALATION_LEAD,
    "auditor": roles.AUDITOR,
    "admin": roles.ADMIN,
}
DEMO_PLATFORM = "demo-platform"
ACTOR = "system:demo"


def load(state_file: Path) -> dict[str, Any]:
    """Ensure the demo users, token and reports exist. Returns the state kept in state_file
    (every user's password and second factor, the token) and, under "new", what was made
    this time: the only credentials a start should print."""
    state = json.loads(state_file.read_text()) if state_file.exists() else {"users": {}}
    new: dict[str, Any] = {"users": [], "token": False}
    User = get_user_model()
    for username, role in DEMO_USERS.items():
        if not User.objects.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            accounts.create_user(username, role=role, password=password, created_by=ACTOR)
            state["users"][username] = {"role": role, "password": password}
            new["users"].append(username)
    for username, role in DEMO_USERS.items():
        # Also covers demo data made before second factors existed.
        user = User.objects.get(username=username)
        if role in accounts.TOTP_ROLES and not accounts.has_totp_device(user):
            entry = state["users"].setdefault(username, {"role": role})
            entry["totp"] = accounts.enrol_totp(user, created_by=ACTOR)
            if username not in new["users"]:
                new["users"].append(username)
    if "token" not in state or not api.platform_exists(DEMO_PLATFORM):
        _, state["token"] = api.create_intake_token(DEMO_PLATFORM, created_by=ACTOR)
        new["token"] = True
    _write_private(state_file, json.dumps(state, indent=2))
    return {**state, "new": new, "reports_created": _load_reports()}


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    path.chmod(0o600)  # a file written before this existed may have been readable by others


def _reports() -> list[tuple[dict[str, Any], list[tuple[str, bytes]]]]:
    now = timezone.now()
    items = []
    for n in range(10):
        reason = ["csam", "csam_ai_generated", "csam", "grooming", "other"][n % 5]
        # Reports 0 and 5 carry the same picture: the same content reported twice.
        seed = n if n != 5 else 0
        media = [(f"upload-{n}.jpg", api.synthetic_image(seed, "JPEG", (800, 600)))]
        if n == 3:
            media.append((f"upload-{n}.png", api.synthetic_image(100 + n, "PNG")))
        if n == 7:
            media = [(f"clip-{n}.mp4", api.synthetic_video(n))]
        document = {
            "source": ["user_report", "classifier", "hash_match"][n % 3],
            "external_id": f"demo-{n}",
            "reported_at": (now - timedelta(hours=n * 3)).isoformat(),
            "reason": reason,
            "description": f"Synthetic demo report {n} (drawn shapes, not real material).",
            "child_in_imminent_danger": n == 2,
            "jurisdiction": "US" if n % 2 else "GB",
            "content": {"id": f"post-{n}", "url": f"https://demo.invalid/p/{n}"},
            "uploader": {
                "id": f"account-{n % 4}",
                "screen_name": f"demo_user_{n % 4}",
                "ip_events": [{"ip": f"192.0.2.{n + 1}", "type": "upload", "at": now.isoformat()}],
            },
            "reporter": {"id": f"reporter-{n}", "kind": "user" if n % 3 == 0 else "classifier"},
        }
        if n % 3 == 1:
            document["classifier"] = {"name": "demo-classifier", "score": 0.9 + n / 1000}
        items.append((document, media))
    return items


def _load_reports() -> int:
    created_count = 0
    for document, files in _reports():
        _, created = api.submit_report(DEMO_PLATFORM, document, files)
        created_count += created
    return created_count
