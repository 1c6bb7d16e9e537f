"""A real HTTP client for NCMEC's CyberTipline Reporting API.

Basic auth; ``GET /status``; ``POST /submit`` (a ``<report>``, answered with its reportId);
``POST /upload`` (multipart ``id`` and one ``file``, answered with a fileId and the MD5 NCMEC
computed, which must be ours); ``POST /fileinfo`` (a ``<fileDetails>``); ``POST /finish``
(form ``id``, answered with the report's fileIds); ``POST /retract`` (before finish only).
Every answer is parsed into an ``Answer`` whose outcome tells the outbox what to do next.
Credentials go in the Authorization header only: never into an answer, a log or a document.
"""

from __future__ import annotations

import hashlib

import requests
from django.conf import settings
from lxml import etree

from casework.hotlines import Answer, Document, Outcome
from casework.hotlines.ncmec import schema

ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102


def outcome_of(http_status: int | None, code: int | None) -> Outcome:
    """NCMEC's rules: HTTP 401 is an authentication failure whatever the body says (NCMEC
    answers it with code 1000); 1xxx is trouble at NCMEC, worth retrying; 2xxx and 3xxx are
    our credentials or account; 4xxx is our document; 5101/5102 mean the report is already
    retracted or finished."""
    if http_status == 401 or http_status == 403:
        return "credentials"
    if code is None:
        # No NCMEC answer at all (a proxy's error page, a gateway timeout): try again.
        transient = http_status is None or http_status >= 500 or http_status == 429
        return "retry" if transient else "refused"
    if code == 0:
        return "ok"
    if code in (ALREADY_RETRACTED, ALREADY_FINISHED):
        return "already_done"
    if 1000 <= code < 2000:
        return "retry"
    if 2000 <= code < 4000:
        return "credentials"
    return "refused"


def parse_answer(step: str, http_status: int | None, body: str) -> Answer:
    """Read responseCode, description and ids from an NCMEC answer body."""
    receipt = Document(f"{step}-answer.xml", "application/xml", body)
    try:
        root = schema.parse(body.encode())
    except etree.XMLSyntaxError:
        root = None
    if root is None or root.tag not in ("reportResponse", "reportDoneResponse"):
        message = f"HTTP {http_status}: not an NCMEC answer"
        return Answer(step, outcome_of(http_status, None), http_status, None, message, receipt)

    def text(tag: str) -> str:
        return (root.findtext(tag) or "").strip()

    code_text = text("responseCode")
    code = int(code_text) if code_text.lstrip("-").isdigit() else None
    return Answer(
        step=step,
        outcome=outcome_of(http_status, code),
        http_status=http_status,
        code=code,
        message=text("responseDescription") or ("Success" if code == 0 else ""),
        receipt=receipt,
        report_id=text("reportId"),
        file_id=text("fileId"),
        md5=text("hash").lower(),
        file_ids=tuple((f.text or "").strip() for f in root.iterfind("files/fileId")),
    )


class CyberTiplineClient:
    """One client per escalation run; pointing base_url at any server that speaks the
    protocol (NCMEC's test root, production, the sandbox) just works."""

    def __init__(
        self,
        base_url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.NCMEC_BASE_URL).rstrip("/")
        self.timeout = timeout or settings.NCMEC_TIMEOUT_SECONDS
        self.session = requests.Session()
        self.session.auth = (
            username if username is not None else settings.NCMEC_USERNAME,
            password if password is not None else settings.NCMEC_PASSWORD,
        )
        self.session.headers["User-Agent"] = "Casework CyberTipline client"

    def close(self) -> None:
        self.session.close()

    def _call(self, step: str, method: str, path: str, **kwargs) -> Answer:
        try:
            response = self.session.request(
                method, f"{self.base_url}/{path}", timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            # Unless the connection was never made, the request may have reached NCMEC; the
            # outbox decides what that means for the report.
            never_sent = isinstance(exc, requests.ConnectTimeout) or (
                isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc.args)
            )
            return Answer(
                step,
                "retry",
                None,
                None,
                f"no answer: {type(exc).__name__}",
                maybe_delivered=not never_sent,
            )
        return parse_answer(step, response.status_code, response.text)

    def status(self) -> Answer:
        return self._call("status", "GET", "status")

    def submit(self, report_xml: str) -> Answer:
        return self._call(
            "submit", "POST", "submit", data=report_xml.encode(), headers=_XML_HEADERS
        )

    def upload(self, report_id: str, name: str, data: bytes, content_type: str) -> Answer:
        answer = self._call(
            "upload",
            "POST",
            "upload",
            data={"id": report_id},
            files={"file": (name, data, content_type or "application/octet-stream")},
        )
        ours = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if answer.ok and answer.md5 != ours:
            return Answer(
                "upload",
                "retry",
                answer.http_status,
                answer.code,
                f"NCMEC computed MD5 {answer.md5 or '(none)'}, the file's is {ours}",
                answer.receipt,
                answer.report_id,
                answer.file_id,
                answer.md5,
            )
        return answer

    def file_info(self, file_details_xml: str) -> Answer:
        return self._call(
            "fileinfo", "POST", "fileinfo", data=file_details_xml.encode(), headers=_XML_HEADERS
        )

    def finish(self, report_id: str) -> Answer:
        return self._call("finish", "POST", "finish", data={"id": report_id})

    def retract(self, report_id: str) -> Answer:
        return self._call("retract", "POST", "retract", data={"id": report_id})


_XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
