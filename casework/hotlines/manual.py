"""Manual channels: hotlines with no public reporting API (the IWF, Cybertip.ca, other INHOPE
hotlines, the NCA's portal). The tool prepares the referral from the case's facts; a lead
copies it into the hotline's own form and records the reference the hotline gives. Nothing is
sent from here, so the adapter only prepares and checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from casework.hotlines import MANUAL_TARGETS, Document
from casework.hotlines.categories import translate
from casework.hotlines.facts import CaseFacts, FileFacts

# The scheme each hotline grades in: the UK categories for the IWF and the NCA; INHOPE's
# hotlines (Cybertip.ca among them) classify in ICCAM as INTERPOL baseline or national.
SCHEMES = {"iwf": "uk", "nca_portal": "uk", "cybertip": "interpol", "inhope": "interpol"}
SCHEME_NAMES = {"uk": "UK category (A, B, C)", "interpol": "INTERPOL baseline / national"}
# The setting that holds each hotline's report form.
FORM_SETTINGS = {
    "iwf": "IWF_REPORT_URL",
    "cybertip": "CYBERTIP_REPORT_URL",
    "inhope": "INHOPE_REPORT_URL",
    "nca_portal": "NCA_PORTAL_URL",
}
# Hotlines that act on a URL where the content is reachable, not on uploaded files.
NEEDS_URL = {"iwf", "inhope"}


@dataclass(frozen=True)
class Field:
    """One thing the hotline's form asks for, as the lead copies it."""

    name: str
    label: str
    value: str


def form_url(target: str) -> tuple[str, str]:
    """The hotline's report form (or "") and the setting that holds it."""
    name = FORM_SETTINGS[target]
    return getattr(settings, name, ""), name


def category(target: str, file: FileFacts) -> str:
    """One file's stored classification in the hotline's scheme, or what it may be."""
    scheme = SCHEMES[target]
    found = translate(industry=file.industry, uk=file.uk, annotations=file.annotations)
    if scheme == "uk":
        value = found["uk"] or " or ".join(found["uk_possible"]) + " (to be graded)"
    else:
        value = found["interpol"] or "undetermined"
    notes = " ".join(found["notes"])
    return f"{value}. {notes}".strip() if notes else value


def referral(target: str, facts: CaseFacts) -> list[Field]:
    """What the lead types into the hotline's form, field by field."""
    evidence = [f for f in facts.files if f.relevance == "reported"]
    fields = [
        Field("urls", "URL where the content is publicly reachable", "\n".join(facts.urls)),
        Field(
            "category",
            f"Category ({SCHEME_NAMES[SCHEMES[target]]})",
            "\n".join(f"{f.name}: {category(target, f)}" for f in evidence),
        ),
        Field(
            "hashes",
            "Hashes (SHA-256, MD5, PDQ)",
            "\n".join(_hashes(f) for f in evidence if f.sha256 or f.md5),
        ),
        Field("dates", "Dates", _dates(facts)),
        Field("description", "Short description", _description(facts, len(evidence))),
        Field("service", "Service", facts.service),
        Field("case", "Our reference", f"Case {facts.case_id}"),
    ]
    return [f for f in fields if f.value]


def _hashes(file: FileFacts) -> str:
    parts = [f"SHA-256 {file.sha256}", f"MD5 {file.md5}"] + (
        [f"PDQ {file.pdq}"] if file.pdq else []
    )
    return f"{file.name}: " + ", ".join(p for p in parts if not p.endswith(" "))


def _dates(facts: CaseFacts) -> str:
    lines = [f"{facts.incident_description}: {facts.incident_at:%Y-%m-%d %H:%M} UTC"]
    lines += [
        f"{f.name} uploaded {f.uploaded_at:%Y-%m-%d %H:%M} UTC"
        for f in facts.files
        if f.uploaded_at
    ]
    return "\n".join(lines)


def _description(facts: CaseFacts, files: int) -> str:
    first = f"{facts.incident_type}: {files} file(s) on {facts.service or 'the service'}"
    if facts.jurisdictions:
        first += f", jurisdiction {', '.join(facts.jurisdictions)}"
    return f"{first}. {facts.additional_info.splitlines()[0]}" if facts.additional_info else first


class ManualChannel:
    """The hotline interface for a channel a person submits to: it prepares, never sends."""

    def __init__(self, target: str) -> None:
        if target not in MANUAL_TARGETS:
            raise KeyError(f"not a manual channel: {target!r}")
        self.target = target

    def problems(self, facts: CaseFacts) -> list[str]:
        if self.target in NEEDS_URL and not facts.urls:
            return ["no URL where the content is publicly reachable (the hotline acts on URLs)"]
        return []

    def preview(self, facts: CaseFacts) -> list[Document]:
        text = "\n\n".join(f"{f.label}:\n{f.value}" for f in referral(self.target, facts))
        return [Document(name=f"{self.target}-referral.txt", content_type="text/plain", body=text)]

    def close(self) -> None:
        """Nothing to close: no connection is ever opened."""
