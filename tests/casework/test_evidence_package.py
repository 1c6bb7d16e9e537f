"""The law-enforcement evidence package: a lead downloads it (never cached, audited), it
verifies, and each kind of tampering is caught and named; other roles are refused."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from casework import roles
from casework.cases import filing
from casework.escalation import outbox
from casework.escalation.models import EscalationDocument
from casework.evidence_package import keys, verify
from casework.models import AuditEvent
from tests.helpers import make_user, signed_in, stored_image
from tests.hotlines.conftest import sandbox  # noqa: F401 (the fixture)
from tests.hotlines.escalations import approve, approved_case, us_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_signing_key(settings, tmp_path):
    settings.EVIDENCE_SIGNING_KEY = ""
    settings.EVIDENCE_SIGNING_KEY_FILE = tmp_path / "evidence-signing.key"


@pytest.fixture
def escalated(sandbox):  # noqa: F811
    """A case approved, and its NCMEC report finished: documents sent, receipts received."""
    escalation = approved_case(1, reveal=True)
    assert outbox.drive(escalation.pk) == "finished"
    escalation.refresh_from_db()
    return escalation


def lead_client():
    return signed_in(make_user("lead-x", roles.ESCALATION_LEAD))


def download(client, case_id: int, tmp_path: Path) -> Path:
    response = client.post(f"/cases/{case_id}/evidence-package")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="case-')
    assert response["Cache-Control"] == "no-store"
    assert response.streaming  # from a temporary file, not built in memory as a string
    path = tmp_path / "package.zip"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def rewritten(path: Path, tmp_path: Path, **changes) -> Path:
    """A copy of the package with members replaced (bytes) or removed (None); names use
    __ for / (evidence__x.jpg)."""
    changes = {k.replace("__", "/"): v for k, v in changes.items()}
    out = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = changes.get(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)
        for name in set(changes) - set(src.namelist()):
            dst.writestr(name, changes[name])
    return out


def problems(path: Path) -> list[str]:
    return verify.verify(path, keys.public_key()).problems


def test_the_package_holds_the_case_and_verifies(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    assert problems(path) == []
    manifest = manifest_of(path)
    assert manifest["case"]["id"] == escalated.case_id
    [report] = manifest["reports"]
    assert report["uploader"]["id"] == "acct-1"
    [media] = report["media"]
    with zipfile.ZipFile(path) as zf:
        evidence = [f for f in manifest["files"] if f["kind"] == "evidence"]
        assert [f["media_id"] for f in evidence] == [media["id"]]
        # the evidence decrypted: the bytes intake hashed
        assert evidence[0]["sha256"] == media["sha256"] and evidence[0]["matches_intake"]
        documents = {f["kind"] for f in manifest["files"]} - {"evidence"}
        assert documents == {"document sent", "document received"}
        for entry in manifest["files"]:
            if entry["kind"].startswith("document"):  # exactly as sent and received
                stored = EscalationDocument.objects.get(pk=entry["document_id"]).body
                assert zf.read(entry["path"]) == stored.encode()
    [hotline] = manifest["escalations"]
    assert hotline["hotline_id"] == escalated.hotline_id and hotline["state"] == "finished"
    assert {d["direction"] for d in hotline["documents"]} == {"sent", "received"}
    assert manifest["decision"]["verdict"] == "csam_confirmed"
    assert manifest["approval"]["approved_by"] == "lead-1"
    [classified] = manifest["classification"]
    # A1 is baseline, but the file is annotated as generative AI: not a real child
    assert (classified["industry"], classified["interpol"]) == ("A1", "national")
    actions = [e["action"] for e in manifest["audit_excerpt"]["events"]]
    assert {"case.decided", "case.approved", "media.revealed"} <= set(actions)
    assert manifest["signing_key"]["public_key"] == keys.public_base64()


def test_the_export_is_audited_with_the_manifest_it_signed(escalated, tmp_path):
    import hashlib

    path = download(lead_client(), escalated.case_id, tmp_path)
    event = AuditEvent.objects.get(action="evidence.exported")
    assert (event.actor, event.target) == ("user:lead-x", f"case:{escalated.case_id}")
    with zipfile.ZipFile(path) as zf:
        assert event.data["manifest_sha256"] == hashlib.sha256(zf.read("manifest.json")).hexdigest()
    assert len(event.data["files"]) == len(manifest_of(path)["files"])


def test_a_changed_file_is_named(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    [evidence] = [f for f in manifest_of(path)["files"] if f["kind"] == "evidence"]
    tampered = rewritten(path, tmp_path, **{evidence["path"].replace("/", "__"): b"other bytes"})
    found = problems(tampered)
    assert (
        f"{evidence['path']}: its SHA-256 does not match the manifest (the file was changed)"
        in found
    )
    assert (
        f"{evidence['path']}: its MD5 does not match the manifest (the file was changed)" in found
    )
    assert not any("signature" in p for p in found)  # the manifest itself is intact


def test_a_changed_manifest_fails_its_signature(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    manifest = manifest_of(path)
    manifest["decision"]["verdict"] = "not_csam"
    tampered = rewritten(path, tmp_path, **{"manifest.json": json.dumps(manifest).encode()})
    [problem] = problems(tampered)
    assert problem.startswith("manifest.json: the signature in manifest.sig does not match it")


def test_a_removed_audit_event_is_named(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    manifest = manifest_of(path)
    events = manifest["audit_excerpt"]["events"]
    removed, after = events.pop(1), events[1]
    tampered = rewritten(path, tmp_path, **{"manifest.json": json.dumps(manifest).encode()})
    found = problems(tampered)
    assert found[0].startswith("manifest.json: the signature")
    assert any(
        p.startswith(f"audit event #{after['id']}: the excerpt event before it is missing")
        for p in found
    )
    assert any("events were removed or added" in p for p in found)
    assert not any(f"#{removed['id']}:" in p for p in found[1:])  # it is gone, not changed


def test_a_changed_audit_event_is_named(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    manifest = manifest_of(path)
    event = next(e for e in manifest["audit_excerpt"]["events"] if e["action"] == "case.approved")
    event["actor"] = "user:someone-else"
    tampered = rewritten(path, tmp_path, **{"manifest.json": json.dumps(manifest).encode()})
    assert (
        f"audit event #{event['id']} (case.approved): its content does not match its chain hash"
        in problems(tampered)
    )


def test_a_file_added_or_removed_is_named(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    [evidence] = [f for f in manifest_of(path)["files"] if f["kind"] == "evidence"]
    removed = rewritten(path, tmp_path, **{evidence["path"].replace("/", "__"): None})
    assert problems(removed) == [
        f"{evidence['path']}: listed in the manifest, missing from the package"
    ]
    added = rewritten(path, tmp_path, **{"evidence__extra.jpg": b"x"})
    assert problems(added) == ["evidence/extra.jpg: in the package but not in the manifest"]


def test_verify_package_says_ok_or_names_each_failure_and_exits_non_zero(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    key_file = tmp_path / "public.pem"
    out = io.StringIO()
    call_command("evidence_public_key", stdout=out)
    key_file.write_text(out.getvalue())
    out = io.StringIO()
    call_command("verify_package", str(path), "--public-key", str(key_file), stdout=out)
    assert out.getvalue().startswith(f"OK {path}: signature valid")

    [evidence] = [f for f in manifest_of(path)["files"] if f["kind"] == "evidence"]
    tampered = rewritten(path, tmp_path, **{evidence["path"].replace("/", "__"): b"x"})
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 problem"):
        call_command("verify_package", str(tampered), "--public-key", str(key_file), stderr=err)
    assert f"FAIL {evidence['path']}: its SHA-256 does not match" in err.getvalue()


def test_a_package_signed_with_another_key_fails(escalated, tmp_path):
    path = download(lead_client(), escalated.case_id, tmp_path)
    other = Ed25519PrivateKey.generate().public_key()
    signature, named = verify.verify(path, other).problems
    assert "signature" in signature
    assert f"it names the signing key {keys.fingerprint()}, not the one" in named


@pytest.mark.parametrize("role", [roles.REVIEWER, roles.AUDITOR, roles.ADMIN])
def test_other_roles_are_refused_and_nothing_is_exported(escalated, role):
    client = signed_in(make_user(f"u-{role}", role))
    response = client.post(f"/cases/{escalated.case_id}/evidence-package")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()
    page = client.get(f"/cases/{escalated.case_id}/")
    assert b"evidence-package" not in page.content


def test_the_case_page_offers_the_export_to_leads_once_approved(escalated):
    page = lead_client().get(f"/cases/{escalated.case_id}/")
    assert f'action="/cases/{escalated.case_id}/evidence-package"'.encode() in page.content
    assert keys.fingerprint().encode() in page.content


def test_a_case_not_yet_approved_is_not_exported():
    media, _ = stored_image(5, "ext-5", **us_account(5))
    case = filing.file_report(media.report_id)
    client = lead_client()
    assert b"evidence-package" not in client.get(f"/cases/{case.pk}/").content
    response = client.post(f"/cases/{case.pk}/evidence-package", follow=True)
    assert b"A case is exported once a lead has approved its decision." in response.content
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()


def test_the_signing_key_comes_from_the_setting_as_base64_or_pem(settings):
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    expected = keys.public_base64(private.public_key())
    for value in (base64.b64encode(raw).decode(), pem.decode()):
        settings.EVIDENCE_SIGNING_KEY = value
        assert keys.public_base64() == expected
        out = io.StringIO()
        call_command("evidence_public_key", "--format", "base64", stdout=out)
        assert out.getvalue().strip() == expected
    assert not Path(settings.EVIDENCE_SIGNING_KEY_FILE).exists()


def test_the_admin_shows_the_public_key():
    client = signed_in(make_user("u-admin", roles.ADMIN))
    page = client.get("/admin/")
    assert page.status_code == 200
    assert keys.fingerprint().encode() in page.content
    assert keys.public_pem().splitlines()[1].encode() in page.content


def test_a_case_approved_without_a_hotline_exports_its_evidence_alone(tmp_path):
    first, _ = stored_image(7, "ext-7", **us_account(7))
    case = filing.file_report(first.report_id)
    approve(case, 7, approval={"targets": [], "reason": "reported elsewhere"})
    path = download(lead_client(), case.pk, tmp_path)
    manifest = manifest_of(path)
    assert manifest["escalations"] == [] and problems(path) == []
    assert [f["kind"] for f in manifest["files"]] == ["evidence"]


def test_verify_package_from_the_command_line_exits_1_on_failure(escalated, tmp_path, capsys):
    from django.core.management import execute_from_command_line

    path = download(lead_client(), escalated.case_id, tmp_path)
    execute_from_command_line(["manage.py", "verify_package", str(path)])  # this install's key
    assert capsys.readouterr().out.startswith("OK ")
    manifest = manifest_of(path)
    manifest["case"]["jurisdiction"] = "GB"
    tampered = rewritten(path, tmp_path, **{"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "verify_package", str(tampered)])
    assert exited.value.code == 1
    assert "FAIL manifest.json: the signature" in capsys.readouterr().err


def test_a_case_whose_files_were_purged_is_refused_not_a_500(escalated):
    from django.utils import timezone

    from casework.models import Case
    from reports.models import Media

    report_ids = list(
        Case.objects.get(pk=escalated.case_id).case_reports.values_list("report_id", flat=True)
    )
    Media.objects.filter(report_id__in=report_ids).update(purged_at=timezone.now())
    response = lead_client().post(f"/cases/{escalated.case_id}/evidence-package", follow=True)
    assert response.status_code == 200
    assert b"were purged when their keeping ended" in response.content
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()
