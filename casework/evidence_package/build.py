"""Building a case's evidence package: a zip in a temporary file (never kept, never cached),
one file read from the vault at a time, the manifest written and signed last, and the export
audited."""

from __future__ import annotations

import base64
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone

from casework import audit, permissions
from casework.cases.errors import CaseActionRefused
from casework.escalation import facts as gathering
from casework.escalation import selectors as escalation_selectors
from casework.escalation.models import EscalationDocument
from casework.evidence_package import excerpt, keys, manifest
from casework.models import Case
from reports import api

# Evidence is already compressed (JPEG, PNG, MP4): stored as it is; text is deflated.
TEXT_COMPRESSION = zipfile.ZIP_DEFLATED


@dataclass
class Package:
    file: IO[bytes]  # a temporary file, read from the start; gone when closed
    filename: str
    size: int
    manifest_sha256: str


def export(*, case_id: int, user: Any) -> Package:
    """The case's package for law enforcement, for an escalation lead, once a lead approved
    its decision; CaseActionRefused otherwise. Case.DoesNotExist for an unknown case."""
    if not permissions.may_export_evidence(user):
        raise CaseActionRefused("Only escalation leads export evidence packages.")
    case = Case.objects.select_related("queue").get(pk=case_id)
    decision = manifest.deciding_decision(case)
    if decision is None or decision.approved_at is None:
        raise CaseActionRefused("A case is exported once a lead has approved its decision.")
    reports = api.reports_with_media(list(case.case_reports.values_list("report_id", flat=True)))
    purged = [m for r in reports for m in r.media.all() if m.purged_at is not None]
    if purged:
        raise CaseActionRefused(
            f"{len(purged)} of the case's files were purged when their keeping ended, so no "
            "complete package can be made; their hashes and sizes stay on the case page."
        )
    escalations = escalation_selectors.for_case(case.pk)
    # Handed to the response, which closes (and so deletes) it once it is sent.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with zipfile.ZipFile(out, "w") as zf:
            files = _write_evidence(zf, case, reports)
            files += _write_documents(zf, escalations)
            body = manifest.encode(_manifest(case, decision, reports, escalations, files, user))
            signature = keys.signing_key().sign(body)
            zf.writestr(manifest.MANIFEST, body, compress_type=TEXT_COMPRESSION)
            zf.writestr(manifest.SIGNATURE, base64.b64encode(signature) + b"\n")
        size = out.tell()
        out.seek(0)
        digest = hashlib.sha256(body).hexdigest()
        # Recorded before a byte is served: no export leaves unaudited.
        audit.by_user(
            user,
            "evidence.exported",
            target=f"case:{case.pk}",
            data={
                "manifest_sha256": digest,
                "files": [f["path"] for f in files],
                "bytes": size,
                "key_fingerprint": keys.fingerprint(),
            },
        )
    except api.VaultError as unreadable:  # purged or unreadable meanwhile
        out.close()
        raise CaseActionRefused(f"The package could not be made: {unreadable}") from unreadable
    except BaseException:
        out.close()
        raise
    name = f"case-{case.pk}-evidence-{timezone.now():%Y%m%dT%H%M%SZ}.zip"
    return Package(file=out, filename=name, size=size, manifest_sha256=digest)


def _manifest(case, decision, reports, escalations, files, user) -> dict[str, Any]:
    media_ids = [m.pk for r in reports for m in r.media.all()]
    public = keys.public_key()
    return {
        "format": manifest.FORMAT,
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.get_username(),
        "signing_key": {
            "algorithm": keys.ALGORITHM,
            "public_key": keys.public_base64(public),
            "fingerprint": keys.fingerprint(public),
            "signs": f"the bytes of {manifest.MANIFEST}; the signature is {manifest.SIGNATURE}",
        },
        "case": manifest.case_section(case),
        "reports": [manifest.report_section(r) for r in reports],
        "files": files,
        "decision": manifest.decision_section(decision),
        "classification": manifest.classification_section(decision, media_ids),
        "approval": manifest.approval_section(decision),
        "escalations": [manifest.escalation_section(e) for e in escalations],
        "audit_excerpt": excerpt.build(excerpt.case_targets(case.pk, reports)),
    }


def _write_evidence(zf: zipfile.ZipFile, case: Case, reports: list[Any]) -> list[dict]:
    files = []
    for report in reports:
        for media in report.media.all():
            data, content_type = gathering.file_bytes(f"media:{media.pk}")
            path = manifest.evidence_path(case, media)
            entry = _write(zf, path, data, zipfile.ZIP_STORED)
            files.append(
                entry
                | {
                    "kind": "evidence",
                    "media_id": media.pk,
                    "report_id": report.pk,
                    "content_type": content_type,
                    "matches_intake": entry["sha256"] == media.sha256,
                }
            )
        if report.reason in gathering.TEXT_REASONS and report.description:
            path = manifest.text_path(case, report)
            entry = _write(zf, path, report.description.encode(), TEXT_COMPRESSION)
            files.append(entry | {"kind": "text", "report_id": report.pk})
    return files


def _write_documents(zf: zipfile.ZipFile, escalations: list[Any]) -> list[dict]:
    files = []
    for escalation in escalations:
        for document in escalation.documents.all():
            # The bodies were left out of the listing: read one at a time.
            body = EscalationDocument.objects.get(pk=document.pk).body
            entry = _write(zf, manifest.document_path(document), body.encode(), TEXT_COMPRESSION)
            files.append(
                entry | {"kind": f"document {document.direction}", "document_id": document.pk}
            )
    return files


def _write(zf: zipfile.ZipFile, path: str, data: bytes, compression: int) -> dict[str, Any]:
    zf.writestr(path, data, compress_type=compression)
    return {
        "path": path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }
