"""A real HTTP client for an NCA reporting endpoint: one step, "submit", a POST of the JSON
report (documents.py) to ``{NCA_BASE_URL}/reports``, authenticated by ``Authorization:
Bearer NCA_API_KEY`` or by a client certificate (``NCA_CLIENT_CERT``, ``NCA_CLIENT_KEY``).

The report's ``report_id`` also goes as the ``Idempotency-Key`` header: a receiver that
keeps it (the sandbox does) answers a repeat with the first reference, so the outbox's
at-least-once resend after a lost answer never files twice.

Answers, as the NCMEC client maps them: 2xx with a ``reference``: ok (the reference is the
report id); 401/403: our credentials; 400/409/422 and other 4xx: the report is refused, with
the receiver's message (and the fields it names); 408, 429, 5xx, a 2xx without a reference
and no answer at all: retry. The key goes in the Authorization header only: never into an
answer, a log or a document.
"""

from __future__ import annotations

import json

import requests
from django.conf import settings

from casework.hotlines import Answer, Document, Outcome

STEP = "submit"
MAX_RECEIPT_CHARS = 4000


def outcome_of(http_status: int | None, reference: str) -> Outcome:
    if http_status is None or http_status >= 500 or http_status in (408, 429):
        return "retry"
    if 200 <= http_status < 300:
        return "ok" if reference else "retry"
    if http_status in (401, 403):
        return "credentials"
    return "refused"


def parse_answer(http_status: int, text: str, content_type: str) -> Answer:
    text = text[:MAX_RECEIPT_CHARS]
    receipt = Document("submit-answer.json", content_type or "text/plain", text)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    reference = str(body.get("reference") or "")
    if reference:
        message = f"reference {reference}"
    else:
        message = str(body.get("error") or text[:300] or "(no body)")
        if isinstance(body.get("missing"), list):
            message += ": " + ", ".join(map(str, body["missing"]))
    return Answer(
        STEP,
        outcome_of(http_status, reference),
        http_status,
        None,
        message,
        receipt,
        report_id=reference,
    )


class NcaClient:
    """One client per escalation run; any server that speaks this JSON (the sandbox, an
    endpoint mapping it onto the NCA's API) just works."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url if base_url is not None else settings.NCA_BASE_URL).rstrip("/")
        self.timeout = timeout or settings.NCA_TIMEOUT_SECONDS
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Casework NCA client"
        key = api_key if api_key is not None else settings.NCA_API_KEY
        if key:
            self.session.headers["Authorization"] = f"Bearer {key}"
        if settings.NCA_CLIENT_CERT:
            self.session.cert = (settings.NCA_CLIENT_CERT, settings.NCA_CLIENT_KEY)

    def close(self) -> None:
        self.session.close()

    def submit(self, body: bytes, report_id: str) -> Answer:
        if not self.base_url:
            return Answer(STEP, "credentials", None, None, "NCA_BASE_URL is not set")
        headers = {"Content-Type": "application/json", "Idempotency-Key": report_id}
        try:
            response = self.session.post(
                f"{self.base_url}/reports", data=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            never_sent = isinstance(exc, requests.ConnectTimeout) or (
                isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc.args)
            )
            return Answer(
                STEP,
                "retry",
                None,
                None,
                f"no answer: {type(exc).__name__}",
                maybe_delivered=not never_sent,
            )
        return parse_answer(
            response.status_code, response.text, response.headers.get("Content-Type", "")
        )
