"""Checking an evidence package as its receiver would, with nothing but the zip and the
public key: the manifest's signature, every file's SHA-256 and MD5 against the manifest,
and the audit excerpt's chain. Each problem names what fails."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from casework.evidence_package import excerpt, keys
from casework.evidence_package.manifest import MANIFEST, SIGNATURE

CHUNK = 1 << 20  # files are hashed a megabyte at a time


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    events_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(path: Path | str, public_key: Ed25519PublicKey) -> Verdict:
    verdict = Verdict()
    try:
        with zipfile.ZipFile(path) as zf:
            _check(zf, public_key, verdict)
    except (zipfile.BadZipFile, OSError) as exc:
        verdict.problems.append(f"{path}: not a readable zip ({exc})")
    return verdict


def _check(zf: zipfile.ZipFile, public_key: Ed25519PublicKey, verdict: Verdict) -> None:
    names = set(zf.namelist())
    missing = [n for n in (MANIFEST, SIGNATURE) if n not in names]
    if missing:
        verdict.problems.extend(f"{n}: missing from the package" for n in missing)
        return
    body = zf.read(MANIFEST)
    problem = _signature_problem(body, zf.read(SIGNATURE), public_key)
    if problem:
        verdict.problems.append(problem)
    try:
        manifest = json.loads(body)
    except ValueError:
        verdict.problems.append(f"{MANIFEST}: not valid JSON")
        return
    if problem and (named := _named_key(manifest)) != keys.fingerprint(public_key):
        verdict.problems.append(
            f"{MANIFEST}: it names the signing key {named}, not the one it was checked "
            f"against ({keys.fingerprint(public_key)}): ask the sender for their public key"
        )
    listed = {entry.get("path") for entry in manifest.get("files", [])}
    for entry in manifest.get("files", []):
        verdict.problems.extend(_file_problems(zf, entry, names))
        verdict.files_checked += 1
    extra = sorted(names - listed - {MANIFEST, SIGNATURE})
    verdict.problems.extend(f"{n}: in the package but not in the manifest" for n in extra)
    audit_excerpt = manifest.get("audit_excerpt") or {}
    verdict.problems.extend(excerpt.problems(audit_excerpt))
    verdict.events_checked = len(audit_excerpt.get("events") or [])


def _signature_problem(body: bytes, signature: bytes, public_key: Ed25519PublicKey) -> str:
    try:
        public_key.verify(base64.b64decode(signature.strip(), validate=True), body)
    except (InvalidSignature, binascii.Error, ValueError):
        return (
            f"{MANIFEST}: the signature in {SIGNATURE} does not match it under this public "
            "key (the manifest was changed, or signed with another key)"
        )
    return ""


def _file_problems(zf: zipfile.ZipFile, entry: dict, names: set[str]) -> list[str]:
    path = entry.get("path", "")
    if path not in names:
        return [f"{path}: listed in the manifest, missing from the package"]
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with zf.open(path) as f:
        while chunk := f.read(CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    found = []
    if sha256.hexdigest() != entry.get("sha256"):
        found.append(f"{path}: its SHA-256 does not match the manifest (the file was changed)")
    if md5.hexdigest() != entry.get("md5"):
        found.append(f"{path}: its MD5 does not match the manifest (the file was changed)")
    if size != entry.get("size"):
        found.append(f"{path}: {size} bytes, the manifest says {entry.get('size')}")
    return found


def _named_key(manifest: dict) -> str:
    """The fingerprint of the key the manifest says signed it (it proves nothing by itself)."""
    try:
        public = keys.load_public(manifest["signing_key"]["public_key"])
    except (KeyError, TypeError, ValueError):
        return "(none)"
    return keys.fingerprint(public)
