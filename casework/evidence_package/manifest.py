"""What manifest.json says about a case, section by section, as plain JSON values: the case,
its reports with the uploader's data, every file with its hashes, the decision, its
classification in every scheme, the approval, the hotline escalations with their ids,
receipts and documents, and the audit excerpt."""

from __future__ import annotations

import json
import mimetypes
from datetime import datetime
from typing import Any

from casework.hotlines import categories, target_label
from casework.models import Case, Decision

FORMAT = "casework-evidence-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


def encode(manifest: dict[str, Any]) -> bytes:
    """The exact bytes that are signed (and written as manifest.json)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()


def deciding_decision(case: Case) -> Decision | None:
    """The decision the case stands on: its newest one not returned."""
    return case.decisions.filter(returned_at__isnull=True).order_by("-decided_at").first()


def evidence_path(case: Case, media: Any) -> str:
    extension = mimetypes.guess_extension(media.content_type) or ""
    return f"evidence/case-{case.pk}-media-{media.pk}{extension}"


def text_path(case: Case, report: Any) -> str:
    return f"evidence/case-{case.pk}-report-{report.pk}-text.txt"


def document_path(document: Any) -> str:
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in document.name)
    return (
        f"documents/escalation-{document.escalation_id}/{document.pk}-{document.direction}-{name}"
    )


def case_section(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "status": case.status,
        "verdict": case.verdict,
        "queue": case.queue.name,
        "source": case.source,
        "reason": case.reason,
        "jurisdiction": case.jurisdiction,
        "created_at": _iso(case.created_at),
        "matched_lists": case.matched_lists,
    }


def report_section(report: Any) -> dict[str, Any]:
    return {
        "id": report.pk,
        "external_id": report.external_id,
        "platform": report.platform.name,
        "source": report.source,
        "reason": report.reason,
        "reported_at": _iso(report.reported_at),
        "received_at": _iso(report.received_at),
        "jurisdiction": report.jurisdiction,
        "child_in_imminent_danger": report.child_in_imminent_danger,
        "description": report.description,
        "content": report.content,
        "uploader": report.uploader,
        "victim": report.victim,
        "reporter": report.reporter,
        "media": [media_section(m) for m in report.media.all()],
    }


def media_section(media: Any) -> dict[str, Any]:
    """The media item as intake recorded it (the hashes of the bytes as received)."""
    return {
        "id": media.pk,
        "original_name": media.filename,
        "kind": media.kind,
        "content_type": media.content_type,
        "size": media.size,
        "width": media.width,
        "height": media.height,
        "sha256": media.sha256,
        "md5": media.md5,
        "sha1": media.sha1,
        "pdq": media.pdq,
    }


def decision_section(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.pk,
        "verdict": decision.verdict,
        "decided_by": _username(decision.decided_by),
        "decided_at": _iso(decision.decided_at),
        "incident_type": decision.incident_type,
        "notes": decision.notes,
        "media_labels": decision.media_labels,
    }


def approval_section(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None or decision.approved_at is None:
        return None
    return {
        "approved_by": _username(decision.approved_by),
        "approved_at": _iso(decision.approved_at),
    }


def classification_section(decision: Decision | None, media_ids: list[int]) -> list[dict]:
    """Each media item's stored classification, translated for every target scheme."""
    labels = decision.media_labels if decision else {}
    rows = []
    for media_id in media_ids:
        stored = labels.get(str(media_id), {})
        translated = categories.translate(
            industry=stored.get("industry", ""),
            uk=stored.get("iwf", ""),
            annotations=tuple(stored.get("annotations", [])),
        )
        rows.append({"media_id": media_id, **translated})
    return rows


def escalation_section(escalation: Any) -> dict[str, Any]:
    return {
        "id": escalation.pk,
        "target": escalation.target,
        "hotline": target_label(escalation.target),
        "state": escalation.state,
        "why": escalation.why,
        "hotline_id": escalation.hotline_id,
        "created_at": _iso(escalation.created_at),
        "submitted_at": _iso(escalation.submitted_at),
        "finished_at": _iso(escalation.finished_at),
        "abandoned": escalation.abandoned,
        "files": [
            {
                "key": f.key,
                "name": f.name,
                "md5": f.md5,
                "hotline_file_id": f.file_id,
                "hotline_report_id": f.report_id,
                "uploaded_at": _iso(f.uploaded_at),
            }
            for f in escalation.files.all()
        ],
        "attempts": [
            {
                "id": a.pk,
                "at": _iso(a.at),
                "step": a.step,
                "outcome": a.outcome,
                "http_status": a.http_status,
                "response_code": a.response_code,
                "message": a.message,
            }
            for a in escalation.attempts.all()
        ],
        "documents": [
            {
                "id": d.pk,
                "attempt": d.attempt_id,
                "at": _iso(d.at),
                "direction": d.direction,  # sent, or received (a receipt)
                "name": d.name,
                "content_type": d.content_type,
                "file": document_path(d),
            }
            for d in escalation.documents.all()
        ],
    }


def _username(user: Any) -> str:
    return user.get_username() if user else ""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
