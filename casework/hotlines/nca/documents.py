"""The report to the UK National Crime Agency (Online Safety Act 2023 s.66; the Online Safety
(CSEA Content Reporting by Regulated User-to-User Service Providers) Regulations 2025,
SI 2025/368), built from a case's facts.

The NCA takes reports through its portal or an API whose details it gives to registered
services only; they are not published. So this JSON is **Casework's own shape**, not the
NCA's: its field names are ours, chosen to carry what Schedule 1 and regulations 13 and 14
ask for, one block per item, so that mapping it onto the NCA's API (once a service has its
details) is a rename in one place. Nothing here claims to be an NCA field name.

``{"format": "casework-nca-report/1", "report_id": …}`` — our id of this report, the same for
every resend of one escalation (the receiver's idempotency key), then:

- ``authorised_person`` (Sch. 1 para 1): ``name``, ``role``, ``email``, ``phone`` of the
  person registered with the NCA who submits; ``provider`` and ``service`` (whose service).
- ``content`` (Sch. 1 para 2), one entry per file or text: ``kind`` (file, text),
  ``name``, ``content_type``, ``sha256``, ``md5``, ``pdq``, ``exif`` (name → value),
  ``urls``, ``uploaded_at`` (when it was posted, if the platform said), ``detected_at`` and
  ``detected_by`` (how: user_report, classifier, hash_match, trusted_flagger, api),
  ``viewed_by_provider`` (a person opened it), ``category`` (the reviewer's A1…B2 label),
  ``annotations``, and ``data_base64``: the content itself (the text, or the file's bytes).
  What Casework records as sent carries ``data_omitted`` instead (see ``for_the_record``).
- ``users`` (Sch. 1 paras 4 and 5), one per reported account: ``ids``, ``screen_names``,
  ``emails``, ``ip_addresses`` (``ip``, ``port``, ``at``, ``event``), ``linked_accounts``
  and ``identity_documents_held``. The platform's intake carries neither of the last two, so
  they are empty lists: said, not left out.
- ``other_information`` (Sch. 1 para 6, other information reasonably available):
  ``incident_type``, ``incident_at``, ``summary``, ``children`` (a child a report names: id,
  screen name, age), ``jurisdictions``. Sch. 1 para 3 (information the authorised person has
  available) is not mapped to a block of its own: what Casework holds of it is here; check
  its exact scope against the regulations before relying on this shape.
- ``priority`` (reg. 14): ``level`` "urgent" when a report says a child may be at immediate
  risk (``child_in_imminent_danger``), else "standard", and ``reason``.
- ``subsequent_report`` (reg. 13): ``earlier_references``, the NCA's references of finished
  earlier reports on the same account, or null.
- ``declaration`` (Sch. 1 para 7): ``all_reasonably_available_information_included`` true,
  ``by`` (the authorised person).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings

from casework.hotlines.facts import CaseFacts, FileFacts, Person

FORMAT = "casework-nca-report/1"
ContentReader = Callable[[str], bytes]

# Each must be present and non-empty: the sandbox refuses a report without them (422 naming
# each), and the approval refuses a case whose report would lack one.
REQUIRED = (
    "report_id",
    "authorised_person.name",
    "authorised_person.email",
    "authorised_person.service",
    "content",
    "priority.level",
    "declaration.all_reasonably_available_information_included",
)
DECLARED = "all_reasonably_available_information_included"
REQUIRED_PER_CONTENT = ("kind", "sha256", "detected_at", "detected_by", "data_base64")


def report_id(facts: CaseFacts) -> str:
    """One per case and target (an escalation), so every resend names the same report."""
    return f"casework-case-{facts.case_id}"


def report(facts: CaseFacts, read: ContentReader | None = None) -> dict[str, Any]:
    """The report for `facts`; with `read` (key → bytes) each content entry carries its data."""
    person = _authorised_person(facts)
    return {
        "format": FORMAT,
        "report_id": report_id(facts),
        "authorised_person": person,
        "content": [_content(facts, f, read) for f in facts.files],
        "users": [_user(p) for p in facts.reported_users],
        "other_information": {
            "incident_type": facts.incident_type,
            "incident_at": _iso(facts.incident_at),
            "summary": facts.additional_info,
            "children": [_child(p) for p in facts.victims],
            "jurisdictions": list(facts.jurisdictions),
        },
        "priority": priority(facts),
        "subsequent_report": (
            {"earlier_references": list(facts.prior_reports)} if facts.prior_reports else None
        ),
        "declaration": {
            "all_reasonably_available_information_included": True,
            "by": person["name"],
        },
    }


def priority(facts: CaseFacts) -> dict[str, str]:
    if facts.imminent_danger:
        return {"level": "urgent", "reason": "a report says a child may be at immediate risk"}
    return {"level": "standard", "reason": "no report says a child is at immediate risk"}


def for_the_record(document: Mapping[str, Any]) -> dict[str, Any]:
    """The report as Casework keeps it: each content's data replaced by its size, so the
    sealed record of what was sent holds no copy of the abuse material."""
    kept = dict(document)
    kept["content"] = [_without_data(c) for c in document.get("content", [])]
    return kept


def missing_fields(document: Any) -> list[str]:
    """Each required field the document lacks, by its dotted path ("content[0].sha256")."""
    if not isinstance(document, dict):
        return ["(the report is not a JSON object)"]
    missing = [path for path in REQUIRED if _empty(_at(document, path))]
    for n, entry in enumerate(document.get("content") or []):
        if not isinstance(entry, dict):
            missing.append(f"content[{n}]")
            continue
        # A text has no file hash to give: its data is the content.
        needed = [f for f in REQUIRED_PER_CONTENT if f != "sha256" or entry.get("kind") != "text"]
        missing += [f"content[{n}].{f}" for f in needed if _empty(entry.get(f))]
    declared = _at(document, "declaration.all_reasonably_available_information_included")
    if declared is not True and "declaration." + DECLARED not in missing:
        missing.append("declaration." + DECLARED)
    return missing


def completeness_problems(facts: CaseFacts) -> list[str]:
    """What would make the report incomplete, for the lead before approval."""
    problems = [
        f"{name} is not set"
        for name in ("NCA_AUTHORISED_PERSON_NAME", "NCA_AUTHORISED_PERSON_EMAIL")
        if not getattr(settings, name)
    ]
    if not (settings.NCA_PROVIDER_NAME or facts.service):
        problems.append("neither NCA_PROVIDER_NAME nor the report's platform names the service")
    if not facts.files:
        problems.append("the case has no content to report")
    return problems


def _authorised_person(facts: CaseFacts) -> dict[str, str]:
    return {
        "name": settings.NCA_AUTHORISED_PERSON_NAME,
        "role": settings.NCA_AUTHORISED_PERSON_ROLE,
        "email": settings.NCA_AUTHORISED_PERSON_EMAIL,
        "phone": settings.NCA_AUTHORISED_PERSON_PHONE,
        "provider": settings.NCA_PROVIDER_NAME,
        "service": facts.service or settings.NCA_PROVIDER_NAME,
    }


def _content(facts: CaseFacts, file: FileFacts, read: ContentReader | None) -> dict[str, Any]:
    kind = "file" if file.key.startswith("media:") else "text"
    entry: dict[str, Any] = {
        "kind": kind,
        "name": file.name,
        "content_type": file.content_type,
        "sha256": file.sha256,
        "md5": file.md5,
        "pdq": file.pdq,
        "exif": dict(file.exif),
        "urls": list(facts.urls),
        "uploaded_at": _iso(file.uploaded_at),
        "detected_at": _iso(facts.detected_at or facts.incident_at),
        "detected_by": list(facts.detected_by),
        "viewed_by_provider": file.viewed,
        "category": file.industry,
        "annotations": list(file.annotations),
        "note": file.note,
    }
    if read is not None:
        entry["data_base64"] = base64.b64encode(read(file.key)).decode()
    return entry


def _without_data(entry: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in entry.items() if k != "data_base64"}
    if "data_base64" in entry:
        size = len(base64.b64decode(entry["data_base64"]))
        kept["data_omitted"] = f"{size} bytes sent; not kept in this record"
    return kept


def _user(person: Person) -> dict[str, Any]:
    return {
        "ids": [person.esp_id] if person.esp_id else [],
        "screen_names": [person.screen_name] if person.screen_name else [],
        "emails": [person.email] if person.email else [],
        "profile_urls": [person.profile_url] if person.profile_url else [],
        "ip_addresses": [
            {"ip": e.ip, "port": e.port, "at": _iso(e.at), "event": e.event}
            for e in person.ip_events
        ],
        "linked_accounts": [],
        "identity_documents_held": [],
    }


def _child(person: Person) -> dict[str, Any]:
    return {"id": person.esp_id, "screen_name": person.screen_name, "age": person.age}


def _at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
