"""A signed webhook: the decision, the moment it is recorded, to the platform's own
enforcement (take down, preserve, notify) or to any hotline or partner with an endpoint.

One step: POST one JSON event, signed with HMAC-SHA256 over timestamp and body
(signing.py), over a real HTTP client (client.py). sandbox.py is a local receiver that
verifies as a receiver must (signature, 5-minute window, replays) and fails on demand.
``WebhookEndpoint`` is the adapter the webhook outbox drives; it knows nothing of the
outbox's bookkeeping.
"""

from __future__ import annotations

import json
from typing import Any

from casework.hotlines import Answer
from casework.hotlines.webhook.client import WebhookClient

TARGET = "webhook"


def event_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent for an event (keys sorted, so the same event is the same bytes)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


class WebhookEndpoint:
    target = TARGET
    opens_reports = False

    def __init__(self, client: WebhookClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> WebhookClient:
        if self._client is None:
            self._client = WebhookClient()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def deliver(self, body: bytes) -> Answer:
        """POST one event's exact bytes (see event_body), signed now."""
        return self.client.post(body)
