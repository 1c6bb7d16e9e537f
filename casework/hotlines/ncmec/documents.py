"""CyberTipline documents from a case's facts: the ``<report>`` sent to /submit and one
``<fileDetails>`` per file sent to /fileinfo, in the schema's element order, and what would
make NCMEC treat the report as incomplete (checked before approval, not after a round trip).

fileViewedByEsp and exifViewedByEsp are always sent and always the truth from the audit log:
a file matched by hash that no person opened says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from lxml import etree

from casework.hotlines.facts import CaseFacts, FileFacts, IpEvent, Person
from casework.hotlines.ncmec import schema

PLACEHOLDER_REPORT_ID = "0"
PLACEHOLDER_FILE_ID = "0" * 32
INCIDENT_TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
REPORT_ANNOTATIONS = (
    "sextortion",
    "csamSolicitation",
    "minorToMinorInteraction",
    "spam",
    "sadisticOnlineExploitation",
)
FILE_ANNOTATIONS = (
    "animeDrawingVirtualHentai",
    "potentialMeme",
    "viral",
    "possibleSelfProduction",
    "physicalHarm",
    "violenceGore",
    "bestiality",
    "liveStreaming",
    "infant",
    "generativeAi",
)
INDUSTRY_CLASSIFICATIONS = ("A1", "A2", "B1", "B2")
EVENT_NAMES = {
    "upload": "Upload",
    "login": "Login",
    "registration": "Registration",
    "purchase": "Purchase",
    "other": "Other",
    "unknown": "Unknown",
}
# XML 1.0 forbids these characters; a stray one must not make a document invalid.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PHONE = re.compile(r"^\s*(?:\+(\d{1,3}))?[\s\-.()]*((?:\d[\s\-.()]*){4,15})$")


@dataclass(frozen=True)
class Reporter:
    """The reporting person and the service's standing text, from the NCMEC_* settings."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company_template: str = ""
    terms_of_service: str = ""
    legal_url: str = ""

    @classmethod
    def from_settings(cls) -> Reporter:
        return cls(
            first_name=settings.NCMEC_REPORTER_FIRST_NAME,
            last_name=settings.NCMEC_REPORTER_LAST_NAME,
            email=settings.NCMEC_REPORTER_EMAIL,
            phone=settings.NCMEC_REPORTER_PHONE,
            company_template=settings.NCMEC_COMPANY_TEMPLATE,
            terms_of_service=settings.NCMEC_TERMS_OF_SERVICE,
            legal_url=settings.NCMEC_LEGAL_URL,
        )


def phone_parts(phone: str) -> tuple[str, str] | None:
    """("+1", "5555550100") from "+1 555 555 0100"; None if it cannot be made valid."""
    found = _PHONE.match(phone)
    if not found:
        return None
    return (f"+{found.group(1)}" if found.group(1) else "", re.sub(r"\D", "", found.group(2)))


def _clean(value: object) -> str:
    return _FORBIDDEN.sub("", str(value))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: etree._Element, tag: str, text: object = None, **attrs: str):
    element = etree.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _add_if(parent: etree._Element, tag: str, text: object) -> None:
    if text not in (None, ""):
        _add(parent, tag, text)


def _document(root: etree._Element) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def _ip_event(parent: etree._Element, event: IpEvent) -> None:
    element = _add(parent, "ipCaptureEvent")
    _add(element, "ipAddress", event.ip)
    _add(element, "eventName", EVENT_NAMES.get(event.event, "Unknown"))
    if event.at:
        _add(element, "dateTime", _when(event.at))
    if event.port is not None:
        _add(element, "port", event.port)


def _account(parent: etree._Element, person: Person, service: str) -> None:
    """The account fields users and victims share, in the schema's order."""
    _add_if(parent, "espIdentifier", person.esp_id)
    _add_if(parent, "espService", service if (person.esp_id or person.screen_name) else "")
    _add_if(parent, "screenName", person.screen_name)
    _add_if(parent, "displayName", person.display_name)
    _add_if(parent, "profileUrl", person.profile_url)
    for event in person.ip_events:
        _ip_event(parent, event)


def report_xml(facts: CaseFacts, reporter: Reporter, now: datetime | None = None) -> str:
    """The <report> document for /submit."""
    now = now or datetime.now(UTC)
    root = etree.Element("report")
    summary = _add(root, "incidentSummary")
    _add(summary, "incidentType", facts.incident_type)
    _add_if(summary, "platform", facts.service)
    if facts.imminent_danger:
        _add(summary, "escalateToHighPriority", "Child in imminent danger")
    annotations = [a for a in facts.report_annotations if a in REPORT_ANNOTATIONS]
    if annotations:
        holder = _add(summary, "reportAnnotations")
        for annotation in annotations:
            _add(holder, annotation)
    _add(summary, "incidentDateTime", _when(min(facts.incident_at, now)))
    _add_if(summary, "incidentDateTimeDescription", facts.incident_description)
    for url in facts.urls:
        _add(_add(_add(root, "internetDetails"), "webPageIncident"), "url", url)
    _reporter(root, reporter)
    for n, person in enumerate(facts.reported_users):
        user = _add(root, "personOrUserReported")
        if person.email:
            _add(_add(user, "personOrUserReportedPerson"), "email", person.email)
        _account(user, person, facts.service)
        if n == 0:
            for prior in facts.prior_reports:
                if str(prior).isdigit():
                    _add(user, "priorCTReports", prior)
    for person in facts.victims:
        victim = _add(root, "victim")
        details = _add(victim, "victimPerson")
        _add_if(details, "email", person.email)
        _add_if(details, "age", person.age)
        _account(victim, person, facts.service)
    _add_if(root, "additionalInfo", facts.additional_info)
    return _document(root)


def _reporter(root: etree._Element, reporter: Reporter) -> None:
    element = _add(root, "reporter")
    person = _add(element, "reportingPerson")
    _add_if(person, "firstName", reporter.first_name)
    _add_if(person, "lastName", reporter.last_name)
    parts = phone_parts(reporter.phone) if reporter.phone else None
    if parts:
        code, digits = parts
        attrs = {"type": "Business", **({"countryCallingCode": code} if code else {})}
        _add(person, "phone", digits, **attrs)
    if reporter.email:
        _add(person, "email", reporter.email, type="Business")
    _add_if(element, "companyTemplate", reporter.company_template)
    _add_if(element, "termsOfService", reporter.terms_of_service)
    _add_if(element, "legalURL", reporter.legal_url)


def file_details_xml(report_id: str, file_id: str, file: FileFacts) -> str:
    """The <fileDetails> document for /fileinfo."""
    root = etree.Element("fileDetails")
    _add(root, "reportId", report_id)
    _add(root, "fileId", file_id)
    _add(root, "fileName", file.name)
    _add_if(root, "originalFileName", file.original_name)
    if file.uploaded_at:
        _add(root, "uploadedToEspTimestamp", _when(file.uploaded_at))
    _add_if(root, "locationOfFile", file.location)
    _add(root, "fileViewedByEsp", "true" if file.viewed else "false")
    _add(root, "exifViewedByEsp", "true" if file.metadata_viewed else "false")
    if file.publicly_available is not None:
        _add(root, "publiclyAvailable", "true" if file.publicly_available else "false")
    reported = file.relevance == "reported"
    _add(root, "fileRelevance", "Reported" if reported else "Supplemental Reported")
    if reported:
        annotations = [a for a in file.annotations if a in FILE_ANNOTATIONS]
        if annotations:
            holder = _add(root, "fileAnnotations")
            for annotation in annotations:
                _add(holder, annotation)
        if file.industry in INDUSTRY_CLASSIFICATIONS:
            _add(root, "industryClassification", file.industry)
    for kind, value in (("MD5", file.md5), ("SHA256", file.sha256), ("PDQ", file.pdq)):
        if value:
            _add(root, "originalFileHash", value, hashType=kind)
    if file.ip_event:
        _ip_event(root, file.ip_event)
    if file.exif:
        details = _add(root, "details", type="EXIF")
        for name, value in file.exif:
            pair = _add(details, "nameValuePair")
            _add(pair, "name", name)
            _add(pair, "value", value)
    _add_if(root, "additionalInfo", file.note)
    return _document(root)


def completeness_problems(
    facts: CaseFacts, reporter: Reporter, now: datetime | None = None
) -> list[str]:
    """What would make NCMEC refuse the report or treat it as incomplete, each naming the
    field; empty when the case may be sent."""
    problems = []
    if facts.incident_type not in INCIDENT_TYPES:
        problems.append("incident type: choose one of NCMEC's incident types")
    if not reporter.email:
        problems.append("NCMEC_REPORTER_EMAIL is not set: NCMEC needs a reporting person's email")
    if reporter.phone and phone_parts(reporter.phone) is None:
        problems.append(f"NCMEC_REPORTER_PHONE {reporter.phone!r} is not a phone number")
    for n, person in enumerate(facts.reported_users, start=1):
        if not person.identifiers:
            problems.append(
                f"reported user {n}: no identifier (account id, screen name, email, "
                "profile URL or IP address)"
            )
    for file in facts.files:
        if file.relevance == "reported" and not file.md5:
            problems.append(f"file {file.name}: not processed yet (no MD5)")
    if not facts.files and not (facts.incident_description or facts.additional_info or facts.urls):
        problems.append("nothing to report: no files and no text")
    if problems:
        return problems
    problems += [f"report: {p}" for p in schema.problems(report_xml(facts, reporter, now))]
    for file in facts.files:
        document = file_details_xml(PLACEHOLDER_REPORT_ID, PLACEHOLDER_FILE_ID, file)
        problems += [f"{file.name}: {p}" for p in schema.problems(document)]
    return problems
