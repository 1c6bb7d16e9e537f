"""The UK National Crime Agency: the report (documents.py, Casework's own JSON shape, since
the NCA's API is given to registered services only), the HTTP client (client.py), a local
sandbox that enforces the report's required fields (sandbox.py), what may be purged when
(retention.py), and the settings (config.py).

``NcaReport`` is the adapter the outbox drives. Its protocol is one request: the report and
its content go in one POST, which opens and finishes the report (``opens_reports`` False).
"""

from __future__ import annotations

import json

from casework.hotlines import Answer, Document
from casework.hotlines.facts import CaseFacts
from casework.hotlines.nca import documents
from casework.hotlines.nca.client import NcaClient

TARGET = "nca"


def _stored_content(key: str) -> bytes:
    # The one reach outside the hotline package: the content's bytes, read only when sent.
    from casework.escalation.facts import file_bytes

    return file_bytes(key)[0]


def _json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, indent=1)


class NcaReport:
    target = TARGET
    opens_reports = False

    def __init__(
        self, client: NcaClient | None = None, read: documents.ContentReader | None = None
    ) -> None:
        self._client = client
        self.read = read or _stored_content

    @property
    def client(self) -> NcaClient:
        if self._client is None:
            self._client = NcaClient()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def problems(self, facts: CaseFacts) -> list[str]:
        return documents.completeness_problems(facts)

    def preview(self, facts: CaseFacts) -> list[Document]:
        """The report as it would be sent, without the content's bytes."""
        return [Document("report.json", "application/json", _json(documents.report(facts)))]

    def open_report(self, facts: CaseFacts) -> tuple[Document, Answer]:
        """POST the whole report, content included; the Document is what Casework keeps of
        it (the content's bytes left out, see documents.for_the_record)."""
        document = documents.report(facts, self.read)
        body = json.dumps(document, sort_keys=True).encode()
        kept = _json(documents.for_the_record(document))
        sent = Document("report.json", "application/json", kept)
        return sent, self.client.submit(body, document["report_id"])

    def retract(self, report_id: str) -> Answer:
        # Never called for a one-step report (nothing is left open to retract); said plainly
        # rather than pretending the NCA took a retraction.
        return Answer(
            "retract", "refused", None, None, f"the NCA adapter cannot retract {report_id}"
        )
