"""Gathering what a hotline is told about a case: its reports, its files with the decision's
labels, the truth from the audit log about what a person opened, and the account's earlier
hotline reports. The result is plain values (casework.hotlines.facts); file bytes are read
only when a file is sent."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from casework.cases import segments
from casework.escalation.models import Escalation, EscalationFile, EscalationState
from casework.hotlines.facts import CaseFacts, FileFacts, IpEvent, Person
from casework.models import AuditEvent, Case, CaseReport, Decision
from reports import api

CSAM_INCIDENT = "Child Pornography (possession, manufacture, and distribution)"
ENTICEMENT_INCIDENT = "Online Enticement of Children for Sexual Acts"
TEXT_REASONS = {"grooming", "sextortion"}
MAX_EXIF_PAIRS = 50


def case_facts(case: Case, *, target: str, include_account_files: bool = False) -> CaseFacts:
    """Everything about the case a report to `target` may carry."""
    decision = _deciding_decision(case)
    reports = api.reports_with_media(list(case.case_reports.values_list("report_id", flat=True)))
    other_cases = _other_case_ids(case, reports)
    if include_account_files:
        reports += _account_reports_not_yet_sent(other_cases, reports, target)
    media = [m for r in reports for m in r.media.all()]
    looked_at = _looked_at([m.pk for m in media])
    labels = decision.media_labels if decision else {}
    # A purged file has no bytes to send (an account file of a case settled long ago).
    files = [
        _media_file(case, r, m, labels.get(str(m.pk), {}), looked_at)
        for r in reports
        for m in r.media.all()
        if m.purged_at is None
    ]
    files += [_transcript(case, r) for r in reports if r.reason in TEXT_REASONS and r.description]
    posted = [t for r in reports if (t := _when(r.content.get("posted_at")))]
    first = min(posted or [r.reported_at for r in reports] or [case.created_at])
    return CaseFacts(
        case_id=case.pk,
        service=reports[0].platform.name if reports else "",
        incident_type=(decision.incident_type if decision else "") or _default_incident(media),
        incident_at=first,
        incident_description=(
            "When the reported content was posted" if posted else "When it was first reported"
        ),
        imminent_danger=any(r.child_in_imminent_danger for r in reports),
        report_annotations=tuple({"sextortion"} & {r.reason for r in reports}),
        urls=tuple(dict.fromkeys(u for r in reports if (u := r.content.get("url")))),
        reported_users=_people([r.uploader for r in reports]),
        victims=_people([r.victim for r in reports]),
        prior_reports=_prior_reports(other_cases, target),
        additional_info=_summary(reports),
        files=tuple(files),
        jurisdictions=tuple(sorted({r.jurisdiction for r in reports if r.jurisdiction})),
        detected_at=min((r.reported_at for r in reports), default=None),
        detected_by=tuple(sorted({r.source for r in reports})),
    )


def file_bytes(key: str) -> tuple[bytes, str]:
    """The bytes of one of the facts' files, as they are sent (decrypted from the vault)."""
    kind, _, rest = key.partition(":")
    if kind == "media":
        data, content_type, _ = api.original_bytes(int(rest))
        return data, content_type
    report_id = int(rest.removeprefix("report:"))
    report = api.reports_with_media([report_id])[0]
    return report.description.encode(), "text/plain"


def _deciding_decision(case: Case) -> Decision | None:
    decisions = case.decisions.filter(returned_at__isnull=True).order_by("-decided_at")
    return decisions.first()


def _default_incident(media: list[Any]) -> str:
    return CSAM_INCIDENT if media else ENTICEMENT_INCIDENT


def _looked_at(media_ids: list[int]) -> dict[str, set[int]]:
    """Which of these files a person revealed, and whose metadata a person opened."""
    targets = [f"media:{m}" for m in media_ids]
    rows = AuditEvent.objects.filter(
        action__in=["media.revealed", "media.metadata_viewed"], target__in=targets
    ).values_list("action", "target")
    found: dict[str, set[int]] = {"media.revealed": set(), "media.metadata_viewed": set()}
    for action, target in rows:
        found[action].add(int(target.split(":", 1)[1]))
    return found


def _media_file(case: Case, report, media, labels: dict, looked_at) -> FileFacts:
    extension = mimetypes.guess_extension(media.content_type) or ""
    uploads = [e for e in report.uploader.get("ip_events", []) if e.get("type") == "upload"]
    return FileFacts(
        key=f"media:{media.pk}",
        name=f"case-{case.pk}-media-{media.pk}{extension}",
        original_name=media.filename,
        content_type=media.content_type,
        relevance="reported",
        sha256=media.sha256,
        md5=media.md5,
        pdq=media.pdq,
        uploaded_at=_when(report.content.get("posted_at")),
        viewed=media.pk in looked_at["media.revealed"],
        metadata_viewed=media.pk in looked_at["media.metadata_viewed"],
        industry=labels.get("industry", ""),
        uk=labels.get("iwf", ""),
        annotations=tuple(labels.get("annotations", [])),
        ip_event=_ip_event(uploads[0]) if len(uploads) == 1 else None,
        exif=_exif(media),
        note=segments.hotline_note(labels.get("segment")),
    )


def _exif(media) -> tuple[tuple[str, str], ...]:
    if media.kind != "image" or not media.md5:
        return ()
    try:
        found = api.media_metadata(media.pk)
    except api.VaultError:
        return ()
    return tuple((k[:200], str(v)[:500]) for k, v in list(found.items())[:MAX_EXIF_PAIRS])


def _transcript(case: Case, report) -> FileFacts:
    return FileFacts(
        key=f"text:report:{report.pk}",
        name=f"case-{case.pk}-report-{report.pk}-text.txt",
        original_name="",
        content_type="text/plain",
        relevance="supplemental",
        viewed=True,  # a reviewer reads the text on the case page
        note="The reported conversation text, as the platform sent it.",
    )


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _ip_event(event: dict) -> IpEvent:
    kind = event.get("type") or "unknown"
    return IpEvent(ip=str(event.get("ip", "")), event=kind, at=_when(event.get("at")))


def _people(entries: list[dict]) -> tuple[Person, ...]:
    people: dict[tuple, Person] = {}
    for entry in entries:
        if not entry:
            continue
        person = Person(
            esp_id=entry.get("id") or "",
            screen_name=entry.get("screen_name") or "",
            email=entry.get("email") or "",
            age=entry.get("age"),
            ip_events=tuple(_ip_event(e) for e in entry.get("ip_events", [])),
        )
        people.setdefault((person.esp_id, person.screen_name, person.email), person)
    return tuple(people.values())


def _uploader_ids(reports) -> set[str]:
    return {r.uploader["id"] for r in reports if r.uploader.get("id")}


def _other_case_ids(case: Case, reports) -> list[int]:
    report_ids = set(api.recent_report_ids_of_uploaders(sorted(_uploader_ids(reports))))
    return list(
        CaseReport.objects.filter(report_id__in=report_ids)
        .exclude(case=case)
        .values_list("case_id", flat=True)
        .distinct()
    )


def _prior_reports(other_cases: list[int], target: str) -> tuple[str, ...]:
    """The hotline's ids of finished reports on the same account from other cases."""
    rows = Escalation.objects.filter(
        case_id__in=other_cases, target=target, state=EscalationState.FINISHED
    ).exclude(hotline_id="")
    return tuple(rows.order_by("finished_at").values_list("hotline_id", flat=True))


def _account_reports_not_yet_sent(other_cases: list[int], reports, target: str) -> list:
    """Reports of the same account, on the same platform, in other approved CSAM-confirmed
    cases, whose files no report to this hotline has carried yet (by that case's own
    escalation or by an earlier one that included them)."""
    confirmed = Decision.objects.filter(
        case_id__in=other_cases,
        verdict=Decision.Verdict.CSAM_CONFIRMED,
        approved_at__isnull=False,
    ).values_list("case_id", flat=True)
    report_ids = CaseReport.objects.filter(case_id__in=confirmed).values_list(
        "report_id", flat=True
    )
    platform = reports[0].platform_id if reports else None
    candidates = [r for r in api.reports_with_media(list(report_ids)) if r.platform_id == platform]
    keys = {k for r in candidates for k in _keys_of(r)}
    carried = set(
        EscalationFile.objects.filter(escalation__target=target, key__in=keys)
        .exclude(escalation__state=EscalationState.RETRACTED)
        .values_list("key", flat=True)
    )
    return [r for r in candidates if not _keys_of(r) <= carried]


def _keys_of(report) -> set[str]:
    return {f"media:{m.pk}" for m in report.media.all()} or {f"text:report:{report.pk}"}


def _summary(reports) -> str:
    sources = sorted({r.source.replace("_", " ") for r in reports})
    lines = [
        f"Reported to the service {len(reports)} time(s) ({', '.join(sources)}); "
        "reviewed by a trained reviewer and confirmed by a second reviewer."
    ]
    lines += [
        f"Report {r.external_id}: {r.description}"
        for r in reports
        if r.description and r.reason not in TEXT_REASONS
    ]
    return "\n".join(lines)
