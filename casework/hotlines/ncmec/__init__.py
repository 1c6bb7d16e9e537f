"""NCMEC's CyberTipline: documents (documents.py), the schema they must pass (schema.py), the
HTTP client (client.py), and a local sandbox that speaks the protocol (sandbox.py).

``CyberTipline`` is the adapter the outbox drives: it knows the steps of a CyberTipline
report (submit, upload and describe each file, finish; retract before finish) and nothing of
the outbox's bookkeeping.
"""

from __future__ import annotations

from casework.hotlines import Answer, Document
from casework.hotlines.facts import CaseFacts, FileFacts
from casework.hotlines.ncmec import documents
from casework.hotlines.ncmec.client import CyberTiplineClient


class CyberTipline:
    target = "ncmec"
    # The steps of one report, in order; files are uploaded then described one at a time.
    opens_reports = True

    def __init__(self, client: CyberTiplineClient | None = None) -> None:
        self._client = client
        self.reporter = documents.Reporter.from_settings()

    @property
    def client(self) -> CyberTiplineClient:
        """Made on first use: checking or previewing a report opens no HTTP session."""
        if self._client is None:
            self._client = CyberTiplineClient()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def problems(self, facts: CaseFacts) -> list[str]:
        """What would make NCMEC refuse the report or treat it as incomplete."""
        return documents.completeness_problems(facts, self.reporter)

    def preview(self, facts: CaseFacts) -> list[Document]:
        """The documents that would be sent, with placeholder ids where NCMEC gives them."""
        found = [Document("report.xml", "text/xml", documents.report_xml(facts, self.reporter))]
        for file in facts.files:
            body = documents.file_details_xml(
                documents.PLACEHOLDER_REPORT_ID, documents.PLACEHOLDER_FILE_ID, file
            )
            found.append(Document(f"fileinfo-{file.name}.xml", "text/xml", body))
        return found

    def open_report(self, facts: CaseFacts) -> tuple[Document, Answer]:
        sent = Document("report.xml", "text/xml", documents.report_xml(facts, self.reporter))
        return sent, self.client.submit(sent.body)

    def upload(self, report_id: str, file: FileFacts, data: bytes, content_type: str) -> Answer:
        return self.client.upload(report_id, file.name, data, content_type)

    def describe(self, report_id: str, file_id: str, file: FileFacts) -> tuple[Document, Answer]:
        body = documents.file_details_xml(report_id, file_id, file)
        sent = Document(f"fileinfo-{file.name}.xml", "text/xml", body)
        return sent, self.client.file_info(body)

    def finish(self, report_id: str) -> Answer:
        return self.client.finish(report_id)

    def retract(self, report_id: str) -> Answer:
        return self.client.retract(report_id)
