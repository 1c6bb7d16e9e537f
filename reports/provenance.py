"""Provenance signals: does the file say it was made by a generative model?

Two sources: a C2PA manifest (read with c2pa-python: its actions' digitalSourceType, the
claim generator and the signer) and IPTC's DigitalSourceType in XMP metadata. These are
signals, never proof: a marker can be stripped or forged, and its absence says nothing
about whether a picture is a real photograph. Manifest thumbnails are never extracted.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = {
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
    "algorithmicMedia",
    "compositeSynthetic",
}
XMP_SOURCE_TYPE = re.compile(rb"digitalsourcetype/([A-Za-z]{3,64})")
C2PA_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime"}


def _source_type(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(IPTC_SOURCE_TYPES):
        return value.removeprefix(IPTC_SOURCE_TYPES)
    return value if isinstance(value, str) and value else None


def read_c2pa(data: bytes, content_type: str) -> dict[str, Any] | None:
    """The active C2PA manifest's generator, signer, validation and source types, or None."""
    if content_type not in C2PA_TYPES:
        return None
    import c2pa

    try:
        with c2pa.Reader(content_type, io.BytesIO(data)) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "ManifestNotFound" in str(exc):
            return None
        return {"error": f"unreadable C2PA manifest: {str(exc)[:200]}"}
    manifest = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    source_types = []
    for assertion in manifest.get("assertions", []):
        if assertion.get("label", "").startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                found = _source_type(action.get("digitalSourceType"))
                if found:
                    source_types.append(found)
    generators = [g.get("name", "") for g in manifest.get("claim_generator_info", [])]
    signature = manifest.get("signature_info", {})
    return {
        "claim_generator": ", ".join(filter(None, generators))
        or manifest.get("claim_generator", ""),
        "signed_by": signature.get("issuer") or signature.get("common_name") or "",
        "validation_state": store.get("validation_state", ""),
        "digital_source_types": sorted(set(source_types)),
    }


def read_provenance(data: bytes, content_type: str) -> dict[str, Any]:
    """C2PA and XMP provenance of one file, and whether either says AI-generated."""
    manifest = read_c2pa(data, content_type)
    xmp_types = sorted({m.decode() for m in XMP_SOURCE_TYPE.findall(data[: 4 * 1024 * 1024])})
    declared = set(xmp_types) | set((manifest or {}).get("digital_source_types", []))
    return {
        "c2pa": manifest,
        "xmp_digital_source_types": xmp_types,
        "ai_generated": bool(declared & AI_SOURCE_TYPES),
    }
