"""A real HTTP client for a signed webhook: one POST of a JSON event, signed (signing.py),
its answer parsed into an ``Answer`` whose outcome tells the outbox what to do next.

2xx: delivered. 409: the receiver already has this event id (a retry of a delivery whose
answer was lost): done. 401/403: the receiver refused the signature or key id (a wrong or
rotated secret, or a clock more than 5 minutes off): stop and alert. 408, 429, 5xx and no
answer at all: retry with backoff. Any other 4xx: the receiver refused the event: stop.
The secret goes into the signature only: never into an answer, a log or a document.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests
from django.conf import settings

from casework.hotlines import Answer, Document, Outcome
from casework.hotlines.webhook import signing

STEP = "deliver"
MAX_RECEIPT_CHARS = 4000


def outcome_of(http_status: int | None) -> Outcome:
    if http_status is None or http_status >= 500 or http_status in (408, 429):
        return "retry"
    if 200 <= http_status < 300:
        return "ok"
    if http_status == 409:
        return "already_done"
    if http_status in (401, 403):
        return "credentials"
    return "refused"


class WebhookClient:
    """One client per delivery run; any URL that verifies the signature works."""

    def __init__(
        self,
        url: str | None = None,
        key_id: str | None = None,
        secret: str | None = None,
        timeout: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url if url is not None else settings.WEBHOOK_URL
        self.key_id = key_id if key_id is not None else settings.WEBHOOK_KEY_ID
        self._secret = secret if secret is not None else settings.WEBHOOK_SECRET
        self.timeout = timeout or settings.WEBHOOK_TIMEOUT_SECONDS
        self.clock = clock
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Casework webhook"

    def close(self) -> None:
        self.session.close()

    def post(self, body: bytes) -> Answer:
        """Sign `body` now and POST it; a retry signs afresh, so it is never stale."""
        headers = signing.signed_headers(self.key_id, self._secret, int(self.clock()), body)
        headers["Content-Type"] = "application/json"
        try:
            response = self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Answer(STEP, "retry", None, None, f"no answer: {type(exc).__name__}")
        text = response.text[:MAX_RECEIPT_CHARS]
        receipt = Document("answer.txt", response.headers.get("Content-Type", "text/plain"), text)
        message = f"HTTP {response.status_code}: {text[:300]}".strip()
        return Answer(
            STEP, outcome_of(response.status_code), response.status_code, None, message, receipt
        )
