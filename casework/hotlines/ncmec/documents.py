"""The CyberTipline documents for a case: the ``<report>`` sent to /submit and one
``<fileDetails>`` per file sent to /fileinfo, built from ``CaseFacts`` and valid against
NCMEC's schema (schema/cyber_tipline.xsd).

Every xs:sequence in the schema is order-sensitive (NCMEC refuses out-of-order children
with responseCode 4100), so each builder below appends children in exactly the schema's
order, and leaves out what is empty rather than send an empty element.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from casework.hotlines.facts import CaseFacts, FileFacts, IpEvent, Person
from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.reporter import Phone, Reporter, parse_phone

__all__ = [
    "PLACEHOLDER_FILE_ID",
    "PLACEHOLDER_REPORT_ID",
    "Phone",
    "Reporter",
    "completeness_problems",
    "file_details_xml",
    "parse_phone",
    "report_xml",
]

# For previews, before NCMEC has given the report and the file their ids.
PLACEHOLDER_REPORT_ID = "0"
PLACEHOLDER_FILE_ID = "0" * 32

# The schema's enumerations (kept in step with the XSD by the tests).
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
IP_EVENT_NAMES = {
    "upload": "Upload",
    "login": "Login",
    "registration": "Registration",
    "purchase": "Purchase",
    "other": "Other",
    "unknown": "Unknown",
}
HIGH_PRIORITY = "Child in imminent danger"

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = "https://report.cybertip.org/ispws/xsd"
# Everything XML 1.0 cannot carry: control characters but tab, LF and CR; lone surrogates;
# U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CT_REPORT_ID = re.compile(r"^[0-9]{1,18}$")  # fits the schema's xs:long
_MAX_XS_INT = 2**31 - 1


def clean(value: object) -> str:
    """`value` as text XML 1.0 can carry, trimmed."""
    return _NOT_XML.sub("", str(value)).strip()


def utc_timestamp(moment: datetime) -> str:
    """`moment` as an xs:dateTime in UTC, to the second ("2024-05-01T12:00:00Z")."""
    return _as_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _as_utc(moment: datetime) -> datetime:
    # Naive times are the project's UTC (USE_TZ stores UTC), never local time.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- building blocks ---------------------------------------------------------------------


def _add(parent: etree._Element, tag: str, value: object = None, **attrib: str):
    """Append <tag>value</tag>; with a value that cleans to "", append nothing."""
    text = "" if value is None else clean(value)
    if value is not None and not text:
        return None
    element = etree.SubElement(parent, tag, attrib)
    if text:
        element.text = text
    return element


def _flags(parent: etree._Element, tag: str, names: Iterable[str], known: tuple[str, ...]):
    """<tag> holding one empty element per known name (the schema's fixed="true" booleans)."""
    chosen = [name for name in known if name in set(names)]
    if chosen:
        holder = etree.SubElement(parent, tag)
        for name in chosen:
            etree.SubElement(holder, name)


def _root(tag: str) -> etree._Element:
    root = etree.Element(tag, nsmap={"xsi": _XSI})
    root.set(f"{{{_XSI}}}noNamespaceSchemaLocation", _SCHEMA_LOCATION)
    return root


def _serialise(root: etree._Element) -> str:
    # lxml's own declaration uses single quotes; NCMEC's samples and ours use double.
    return _XML_DECLARATION + etree.tostring(root, encoding="unicode", pretty_print=True)


def _ip_event(parent: etree._Element, event: IpEvent) -> None:
    if not clean(event.ip):
        return
    capture = etree.SubElement(parent, "ipCaptureEvent")
    _add(capture, "ipAddress", event.ip)
    _add(capture, "eventName", IP_EVENT_NAMES.get(event.event, "Unknown"))
    if event.at is not None:
        _add(capture, "dateTime", utc_timestamp(event.at))
    if event.port is not None and 0 <= event.port <= 65535:
        _add(capture, "port", event.port)


def _phone(parent: etree._Element, phone: Phone) -> None:
    attrib = {"type": "Business"}
    if phone.country_calling_code:
        attrib["countryCallingCode"] = phone.country_calling_code
    if phone.extension:
        attrib["extension"] = phone.extension
    _add(parent, "phone", phone.number, **attrib)


# -- <report> ----------------------------------------------------------------------------


def report_xml(facts: CaseFacts, reporter: Reporter, now: datetime | None = None) -> str:
    """The <report> document for /submit."""
    report = _root("report")
    _incident_summary(report, facts, now or datetime.now(UTC))
    for url in facts.urls:
        if clean(url):
            details = etree.SubElement(report, "internetDetails")
            _add(etree.SubElement(details, "webPageIncident"), "url", url)
    _reporter(report, reporter)
    prior = [clean(p) for p in facts.prior_reports if _CT_REPORT_ID.match(clean(p))]
    for index, person in enumerate(facts.reported_users):
        _reported_user(report, person, facts.service, prior if index == 0 else [])
    for person in facts.victims:
        _victim(report, person)
    _add(report, "additionalInfo", facts.additional_info)
    return _serialise(report)


def _incident_summary(report: etree._Element, facts: CaseFacts, now: datetime) -> None:
    summary = etree.SubElement(report, "incidentSummary")
    _add(summary, "incidentType", facts.incident_type)
    _add(summary, "platform", facts.service)
    if facts.imminent_danger:
        _add(summary, "escalateToHighPriority", HIGH_PRIORITY)
    _flags(summary, "reportAnnotations", facts.report_annotations, REPORT_ANNOTATIONS)
    # NCMEC takes no incident in the future; a platform clock ahead of ours is not one.
    _add(summary, "incidentDateTime", utc_timestamp(min(_as_utc(facts.incident_at), _as_utc(now))))
    _add(summary, "incidentDateTimeDescription", facts.incident_description)


def _reporter(report: etree._Element, reporter: Reporter) -> None:
    element = etree.SubElement(report, "reporter")
    person = etree.SubElement(element, "reportingPerson")
    _add(person, "firstName", reporter.first_name)
    _add(person, "lastName", reporter.last_name)
    if phone := reporter.parsed_phone:
        _phone(person, phone)
    _add(person, "email", reporter.email, type="Business")
    _add(element, "companyTemplate", reporter.company_template)
    _add(element, "termsOfService", reporter.terms_of_service)
    _add(element, "legalURL", reporter.legal_url)


def _reported_user(
    report: etree._Element, person: Person, service: str, prior_reports: list[str]
) -> None:
    element = etree.SubElement(report, "personOrUserReported")
    if clean(person.email):
        _add(etree.SubElement(element, "personOrUserReportedPerson"), "email", person.email)
    _add(element, "espIdentifier", person.esp_id)
    _add(element, "espService", service)
    _account(element, person)
    for report_id in prior_reports:
        _add(element, "priorCTReports", report_id)


def _victim(report: etree._Element, person: Person) -> None:
    element = etree.SubElement(report, "victim")
    victim = etree.SubElement(element, "victimPerson")  # required, even when empty
    _add(victim, "email", person.email)
    if person.age is not None and 0 <= person.age <= _MAX_XS_INT:
        _add(victim, "age", person.age)
    _add(element, "espIdentifier", person.esp_id)
    _account(element, person)


def _account(element: etree._Element, person: Person) -> None:
    """screenName to ipCaptureEvent: the same run in personOrUserReported and victim."""
    _add(element, "screenName", person.screen_name)
    _add(element, "displayName", person.display_name)
    _add(element, "profileUrl", person.profile_url)
    for event in person.ip_events:
        _ip_event(element, event)


# -- <fileDetails> -----------------------------------------------------------------------


def file_details_xml(report_id: str, file_id: str, file: FileFacts) -> str:
    """The <fileDetails> document for /fileinfo, once /upload has given the file its id."""
    details = _root("fileDetails")
    _add(details, "reportId", report_id)
    _add(details, "fileId", file_id)
    _add(details, "fileName", file.name)
    _add(details, "originalFileName", file.original_name)
    if file.uploaded_at is not None:
        _add(details, "uploadedToEspTimestamp", utc_timestamp(file.uploaded_at))
    _add(details, "locationOfFile", file.location)
    # Always stated, "false" included: NCMEC and law enforcement act on whether a person
    # at the platform actually looked at the file.
    _add(details, "fileViewedByEsp", _boolean(file.viewed))
    _add(details, "exifViewedByEsp", _boolean(file.metadata_viewed))
    if file.publicly_available is not None:
        _add(details, "publiclyAvailable", _boolean(file.publicly_available))
    reported = file.relevance != "supplemental"
    _add(details, "fileRelevance", "Reported" if reported else "Supplemental Reported")
    if reported:
        _flags(details, "fileAnnotations", file.annotations, FILE_ANNOTATIONS)
        if file.industry in INDUSTRY_CLASSIFICATIONS:
            _add(details, "industryClassification", file.industry)
    for hash_type, value in (("MD5", file.md5), ("SHA256", file.sha256), ("PDQ", file.pdq)):
        _add(details, "originalFileHash", value, hashType=hash_type)
    if file.ip_event is not None:
        _ip_event(details, file.ip_event)
    pairs = [(clean(name), value) for name, value in file.exif if clean(name)]
    if pairs:
        exif = etree.SubElement(details, "details", type="EXIF")
        for name, value in pairs:
            pair = etree.SubElement(exif, "nameValuePair")
            _add(pair, "name", name)
            etree.SubElement(pair, "value").text = clean(value)  # an empty value is a value
    _add(details, "additionalInfo", file.note)
    return _serialise(details)


def _boolean(value: bool) -> str:
    return "true" if value else "false"


# -- completeness ------------------------------------------------------------------------


def completeness_problems(
    facts: CaseFacts, reporter: Reporter, now: datetime | None = None
) -> list[str]:
    """What would make NCMEC refuse the report or treat it as incomplete, each naming the
    field to fix; an empty list means the case may be sent."""
    found = []
    if facts.incident_type not in INCIDENT_TYPES:
        found.append("incident type: choose one of NCMEC's incident types")
    if not clean(reporter.email):
        found.append("NCMEC_REPORTER_EMAIL is not set: NCMEC needs a reporting person's email")
    if reporter.phone_is_invalid:
        found.append(
            f"NCMEC_REPORTER_PHONE {reporter.phone!r} is not a phone number: give digits,"
            " optionally with a +country code (e.g. +1 555 555 0100)"
        )
    for number, person in enumerate(facts.reported_users, start=1):
        if not any(clean(value) for value in person.identifiers):
            found.append(
                f"reported user {number}: no identifier"
                " (account id, screen name, email, profile URL or IP address)"
            )
    for file in facts.files:
        if file.relevance != "supplemental" and not clean(file.md5):
            found.append(f"file {file.name}: not processed yet (no MD5)")
    texts = (facts.incident_description, facts.additional_info, *facts.urls)
    if not facts.files and not any(clean(text) for text in texts):
        found.append("nothing to report: no files and no text")
    found += [f"report: {p}" for p in schema.problems(report_xml(facts, reporter, now))]
    for file in facts.files:
        document = file_details_xml(PLACEHOLDER_REPORT_ID, PLACEHOLDER_FILE_ID, file)
        found += [f"file {file.name}: {p}" for p in schema.problems(document)]
    return found
