"""What makes an NCMEC report incomplete, the reporter from the settings, and the vocabulary
the schema allows."""

from __future__ import annotations

import pytest
from lxml import etree

from casework.cases import vocabulary
from casework.hotlines.facts import Person
from casework.hotlines.ncmec import documents, schema
from casework.hotlines.ncmec.documents import (
    Reporter,
    completeness_problems,
)
from tests.hotlines.ncmec_builders import (
    NOW,
    case,
    media,
    reporter,
    transcript,
    user,
    valid_report,
)


@pytest.mark.parametrize(
    ("changes", "who", "expected"),
    [
        ({"incident_type": ""}, {}, "incident type: choose one of NCMEC's incident types"),
        ({"incident_type": "Spam"}, {}, "incident type: choose one of NCMEC's incident types"),
        (
            {},
            {"email": ""},
            "NCMEC_REPORTER_EMAIL is not set: NCMEC needs a reporting person's email",
        ),
        (
            {"reported_users": (user(1), Person(display_name="No Handle"))},
            {},
            "reported user 2: no identifier"
            " (account id, screen name, email, profile URL or IP address)",
        ),
        (
            {"files": (media(9, md5=""), transcript())},
            {},
            "file case-3-media-9.png: not processed yet (no MD5)",
        ),
        ({"files": ()}, {}, "nothing to report: no files and no text"),
        ({}, {"phone": "call legal"}, "NCMEC_REPORTER_PHONE 'call legal' is not a phone number"),
    ],
)
def test_each_completeness_problem_names_its_field(changes, who, expected):
    problems = completeness_problems(case(**changes), reporter(**who), now=NOW)

    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_complete_case_has_no_problems_and_a_supplemental_file_needs_no_md5():
    facts = case(files=(media(), transcript()), victims=(Person(),))

    assert completeness_problems(facts, reporter(), now=NOW) == []


def test_text_alone_is_something_to_report():
    for text in ({"incident_description": "x"}, {"additional_info": "x"}, {"urls": ("u",)}):
        assert completeness_problems(case(files=(), **text), reporter(), now=NOW) == []


def test_the_schemas_own_messages_come_last_named_by_document(monkeypatch):
    monkeypatch.setattr(documents.schema, "problems", lambda document: ["line 1: broken"])
    facts = case(files=(media(1), transcript(2)), incident_type="Spam")

    problems = completeness_problems(facts, reporter(), now=NOW)

    assert problems == [
        "incident type: choose one of NCMEC's incident types",
        "report: line 1: broken",
        "file case-3-media-1.png: line 1: broken",
        "file case-3-report-2-text.txt: line 1: broken",
    ]


def test_an_invalid_incident_type_is_also_reported_by_the_schema():
    problems = completeness_problems(case(incident_type="Spam"), reporter(), now=NOW)

    assert problems[0] == "incident type: choose one of NCMEC's incident types"
    assert problems[1].startswith("report: line ")
    assert "incidentType" in problems[1]


# -- the reporter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "number", "attributes"),
    [
        ("+1 555 555 0100", "5555550100", {"countryCallingCode": "+1"}),
        ("+1 (555) 555-0100", "5555550100", {"countryCallingCode": "+1"}),
        ("+15555550100", "5555550100", {"countryCallingCode": "+1"}),
        ("555.555.0100", "5555550100", {}),
        ("+44 20 7946 0958", "2079460958", {"countryCallingCode": "+44"}),
        ("+442079460958", "2079460958", {"countryCallingCode": "+44"}),
        ("0049 30 901820", "30901820", {"countryCallingCode": "+49"}),
        ("+353 1 234 5678", "12345678", {"countryCallingCode": "+353"}),
        ("+1 555 555 0100 ext. 12", "5555550100", {"countryCallingCode": "+1", "extension": "12"}),
    ],
)
def test_the_reporter_phone_is_normalised(spelling, number, attributes):
    who = reporter(phone=spelling)

    phone = valid_report(case(), who).find("reporter/reportingPerson/phone")

    assert phone.text == number
    assert dict(phone.attrib) == {"type": "Business", **attributes}
    assert completeness_problems(case(), who, now=NOW) == []


@pytest.mark.parametrize("spelling", ["call legal", "555", "+1 555 555 0100 1234 5678", "+", "--"])
def test_a_phone_that_cannot_be_made_valid_is_left_out_and_named(spelling):
    who = reporter(phone=spelling)

    root = valid_report(case(), who)

    assert root.find("reporter/reportingPerson/phone") is None
    problems = completeness_problems(case(), who, now=NOW)
    assert [p for p in problems if p.startswith("NCMEC_REPORTER_PHONE")] == [
        f"NCMEC_REPORTER_PHONE {spelling!r} is not a phone number: give digits,"
        " optionally with a +country code (e.g. +1 555 555 0100)"
    ]


def test_no_phone_is_no_problem():
    root = valid_report(case(), reporter(phone=""))

    assert root.find("reporter/reportingPerson/phone") is None
    assert completeness_problems(case(), reporter(phone=""), now=NOW) == []


def test_the_reporter_comes_from_the_settings(settings):
    settings.NCMEC_REPORTER_FIRST_NAME = "Dana"
    settings.NCMEC_REPORTER_LAST_NAME = "Lead"
    settings.NCMEC_REPORTER_EMAIL = "lead@example.org"
    settings.NCMEC_REPORTER_PHONE = "+1 555 555 0100"
    settings.NCMEC_COMPANY_TEMPLATE = "Legal process: legal@example.org"
    settings.NCMEC_TERMS_OF_SERVICE = "https://example.org/terms"
    settings.NCMEC_LEGAL_URL = "https://example.org/legal"

    assert Reporter.from_settings() == Reporter(
        first_name="Dana",
        last_name="Lead",
        email="lead@example.org",
        phone="+1 555 555 0100",
        company_template="Legal process: legal@example.org",
        terms_of_service="https://example.org/terms",
        legal_url="https://example.org/legal",
    )


# -- the schema's vocabulary -------------------------------------------------------------


FILE_ANNOTATIONS_XPATH = "//xs:complexType[@name='fileAnnotations']//xs:element/@name"


def _xsd_names(xpath: str) -> list[str]:
    xsd = etree.parse(str(schema.SCHEMA_PATH))
    return xsd.xpath(xpath, namespaces={"xs": "http://www.w3.org/2001/XMLSchema"})


@pytest.mark.parametrize(
    ("ours", "xpath"),
    [
        (documents.INCIDENT_TYPES, "//xs:simpleType[@name='incidentType']//xs:enumeration/@value"),
        (
            documents.REPORT_ANNOTATIONS,
            "//xs:complexType[@name='reportAnnotations']//xs:element/@name",
        ),
        (documents.FILE_ANNOTATIONS, "//xs:complexType[@name='fileAnnotations']//xs:element/@name"),
        (
            vocabulary.FILE_ANNOTATIONS,
            "//xs:complexType[@name='fileAnnotations']//xs:element/@name",
        ),
        (
            documents.INDUSTRY_CLASSIFICATIONS,
            "//xs:simpleType[@name='fileClassification']//xs:enumeration/@value",
        ),
        (
            tuple(documents.IP_EVENT_NAMES.values()),
            "//xs:simpleType[@name='ipCaptureType']//xs:enumeration/@value",
        ),
    ],
)
def test_the_vocabulary_is_the_schemas(ours, xpath):
    assert sorted(ours) == sorted(_xsd_names(xpath))
