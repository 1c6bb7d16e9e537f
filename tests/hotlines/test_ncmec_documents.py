"""NCMEC documents from case facts: valid against the schema, in its order, with the truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from casework.hotlines.facts import CaseFacts, IpEvent, Person
from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.documents import (
    PLACEHOLDER_FILE_ID,
    PLACEHOLDER_REPORT_ID,
    Reporter,
    completeness_problems,
    file_details_xml,
    report_xml,
)
from tests.hotlines.ncmec_builders import (
    CSAM,
    ENTICEMENT,
    MD5,
    NOW,
    PDQ,
    SHA256,
    case,
    in_sample_order,
    media,
    parse,
    reporter,
    sample,
    tags,
    texts,
    transcript,
    user,
    valid_file,
    valid_report,
)


def test_a_typical_report_is_valid_and_in_the_samples_order():
    reported = user(
        esp_id="user-98765",
        screen_name="example_user",
        email="user@example.net",
        display_name="Example User",
        profile_url="https://forum.example.org/u/example_user",
        ip_events=(IpEvent("203.0.113.7", "login", datetime(2024, 5, 1, 11, 58, tzinfo=UTC), 443),),
    )
    facts = case(
        report_annotations=("csamSolicitation",),
        incident_description="Time the reported file was uploaded.",
        urls=("https://forum.example.org/t/12345",),
        reported_users=(reported,),
        prior_reports=("123456789",),
        additional_info="Content identified by user report and confirmed by a trained reviewer.",
    )
    who = reporter(
        company_template="Example Org. Legal process: legal@example.org.",
        terms_of_service="https://example.org/terms",
        legal_url="https://example.org/legal",
    )

    root = valid_report(facts, who)
    typical = sample("report-typical.xml")

    assert root.tag == "report"
    assert tags(root) == tags(typical)
    for path in ("incidentSummary", "reporter", "reporter/reportingPerson", "personOrUserReported"):
        assert in_sample_order(tags(root.find(path)), tags(typical.find(path))), path
    assert texts(root, "incidentSummary/incidentType") == [CSAM]
    assert texts(root, "incidentSummary/platform") == ["Example Community Forum"]
    assert tags(root.find("incidentSummary/reportAnnotations")) == ["csamSolicitation"]
    assert texts(root, "incidentSummary/incidentDateTime") == ["2024-05-01T12:00:00Z"]
    assert root.find("incidentSummary/escalateToHighPriority") is None
    assert texts(root, "internetDetails/webPageIncident/url") == [facts.urls[0]]
    assert root.find("internetDetails/webPageIncident").get("thirdPartyHostedContent") is None
    assert root.find("reporter/reportingPerson/email").get("type") == "Business"
    assert texts(root, "reporter/legalURL") == ["https://example.org/legal"]
    person = root.find("personOrUserReported")
    assert texts(person, "personOrUserReportedPerson/email") == ["user@example.net"]
    assert texts(person, "espIdentifier") == ["user-98765"]
    assert texts(person, "espService") == ["Example Community Forum"]
    assert texts(person, "screenName") == ["example_user"]
    assert texts(person, "profileUrl") == [reported.profile_url]
    assert tags(person.find("ipCaptureEvent")) == ["ipAddress", "eventName", "dateTime", "port"]
    assert texts(person, "ipCaptureEvent/eventName") == ["Login"]
    assert texts(person, "ipCaptureEvent/port") == ["443"]
    assert texts(person, "priorCTReports") == ["123456789"]
    assert texts(root, "additionalInfo") == [facts.additional_info]
    assert completeness_problems(facts, who, now=NOW) == []


def test_typical_file_details_are_valid_and_in_the_samples_order():
    file = media(
        name="case-42-item-1.png",
        original_name="IMG_0001.png",
        uploaded_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        location="https://cdn.example.org/u/98765/abc.png",
        viewed=True,
        publicly_available=False,
        annotations=("generativeAi",),
        industry="B2",
        pdq=PDQ,
        ip_event=IpEvent("203.0.113.7", "upload", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        exif=(("Software", "ExampleDiffusion 1.0"),),
        note="Reviewer assessed the image as AI-generated (generator metadata present).",
    )

    root = valid_file(file)

    assert root.tag == "fileDetails"
    assert tags(root) == tags(sample("filedetails-typical.xml"))
    assert texts(root, "reportId") == ["4564654"]
    assert texts(root, "fileName") == ["case-42-item-1.png"]
    assert texts(root, "uploadedToEspTimestamp") == ["2024-05-01T12:00:00Z"]
    assert texts(root, "publiclyAvailable") == ["false"]
    assert texts(root, "fileRelevance") == ["Reported"]
    assert [h.get("hashType") for h in root.findall("originalFileHash")] == ["MD5", "PDQ"]
    assert texts(root, "ipCaptureEvent/eventName") == ["Upload"]
    assert root.find("details").get("type") == "EXIF"
    assert texts(root, "details/nameValuePair/name") == ["Software"]
    assert texts(root, "details/nameValuePair/value") == ["ExampleDiffusion 1.0"]
    assert texts(root, "additionalInfo") == [file.note]


def test_every_hash_that_is_known_is_sent_md5_sha256_pdq():
    root = valid_file(media(sha256=SHA256, pdq=PDQ))

    hashes = [(h.get("hashType"), h.text) for h in root.findall("originalFileHash")]
    assert hashes == [("MD5", MD5), ("SHA256", SHA256), ("PDQ", PDQ)]


def test_placeholder_ids_make_a_valid_preview():
    document = file_details_xml(PLACEHOLDER_REPORT_ID, PLACEHOLDER_FILE_ID, media())

    assert schema.problems(document) == []
    assert texts(parse(document), "fileId") == ["0" * 32]


# -- awkward content ---------------------------------------------------------------------

AWKWARD = "نص عربي · 中文文本 · 🧒🏽🔒 · \x00stray\x1b"
AWKWARD_CLEAN = "نص عربي · 中文文本 · 🧒🏽🔒 · stray"


def test_unicode_survives_in_every_text_field_and_forbidden_characters_go():
    person = Person(
        esp_id=f"id {AWKWARD}",
        screen_name=f"screen {AWKWARD}",
        email=f"mail {AWKWARD}",
        display_name=f"display {AWKWARD}",
        profile_url=f"https://example.org/{AWKWARD}",
        ip_events=(IpEvent(f"2001:db8::1{AWKWARD}"),),
    )
    facts = case(
        service=f"service {AWKWARD}",
        incident_description=f"description {AWKWARD}\ud800\ufffe",
        urls=(f"https://example.org/{AWKWARD}",),
        reported_users=(person,),
        victims=(person,),
        additional_info=f"info {AWKWARD}",
        imminent_danger=True,
    )
    who = reporter(
        first_name=f"first {AWKWARD}",
        last_name=f"last {AWKWARD}",
        email=f"email {AWKWARD}",
        company_template=f"template {AWKWARD}",
        terms_of_service=f"terms {AWKWARD}",
        legal_url=f"legal {AWKWARD}",
    )
    file = media(
        name=f"name {AWKWARD}.png",
        original_name=f"original {AWKWARD}",
        location=f"location {AWKWARD}",
        exif=((f"exif name {AWKWARD}", f"exif value {AWKWARD}"),),
        note=f"note {AWKWARD}",
    )

    document = report_xml(facts, who, now=NOW)
    root = valid_report(facts, who)
    details = valid_file(file)

    assert "\x00" not in document and "\x1b" not in document
    every_text = [e.text for e in (*root.iter(), *details.iter()) if e.text and e.text.strip()]
    assert not any(ch in text for text in every_text for ch in "\x00\x1b\ud800\ufffe")
    assert texts(root, "incidentSummary/platform") == [f"service {AWKWARD_CLEAN}"]
    assert texts(root, "incidentSummary/incidentDateTimeDescription") == [
        f"description {AWKWARD_CLEAN}"
    ]
    assert texts(root, "reporter/reportingPerson/firstName") == [f"first {AWKWARD_CLEAN}"]
    assert texts(root, "reporter/companyTemplate") == [f"template {AWKWARD_CLEAN}"]
    assert texts(root, "personOrUserReported/displayName") == [f"display {AWKWARD_CLEAN}"]
    assert texts(root, "victim/victimPerson/email") == [f"mail {AWKWARD_CLEAN}"]
    assert texts(root, "additionalInfo") == [f"info {AWKWARD_CLEAN}"]
    assert texts(details, "fileName") == [f"name {AWKWARD_CLEAN}.png"]
    assert texts(details, "details/nameValuePair/value") == [f"exif value {AWKWARD_CLEAN}"]
    assert texts(details, "additionalInfo") == [f"note {AWKWARD_CLEAN}"]


def test_a_value_of_only_forbidden_characters_leaves_its_element_out():
    root = valid_report(case(incident_description="\x00\x01", additional_info="\x1b"))

    assert root.find("incidentSummary/incidentDateTimeDescription") is None
    assert root.find("additionalInfo") is None


def test_a_10kb_description_is_sent_whole():
    description = "The account sent repeated requests for images.\n\tØ 🧒\r\n" * 200
    assert len(description.encode()) > 10_000

    root = valid_report(case(incident_description=description))

    assert texts(root, "incidentSummary/incidentDateTimeDescription") == [description.strip()]


def test_fifty_files_each_get_valid_file_details_with_distinct_names():
    files = tuple(media(n, md5=f"{n:032x}") for n in range(1, 51))
    facts = case(files=files)

    names = [texts(valid_file(file), "fileName")[0] for file in files]

    assert len(set(names)) == 50
    assert completeness_problems(facts, reporter(), now=NOW) == []


# -- what is and is not sent -------------------------------------------------------------


def test_with_no_optional_data_the_report_is_the_minimal_sample_plus_what_is_given():
    facts = CaseFacts(
        case_id=1, service="", incident_type=CSAM, incident_at=datetime(2024, 5, 1, 12, tzinfo=UTC)
    )

    root = valid_report(facts, Reporter(email="trust-safety@example.org"))
    minimal = sample("report-minimal.xml")

    assert [e.tag for e in root.iter()] == [e.tag for e in minimal.iter()]
    assert [(e.tag, e.text) for e in root.iter() if e.text and e.text.strip()] == [
        (e.tag, e.text) for e in minimal.iter() if e.text and e.text.strip()
    ]
    assert root.find("reporter/reportingPerson/email").get("type") == "Business"


def test_with_no_optional_data_file_details_carry_the_required_and_the_truth():
    root = valid_file(transcript(note="Transcript of the conversation."))

    assert tags(root) == [
        "reportId",
        "fileId",
        "fileName",
        "fileViewedByEsp",
        "exifViewedByEsp",
        "fileRelevance",
        "additionalInfo",
    ]
    # The sample, plus the name we give every file and the always-stated exifViewedByEsp.
    always_ours = ("fileName", "exifViewedByEsp")
    theirs = tags(sample("filedetails-supplemental.xml"))
    assert [tag for tag in tags(root) if tag not in always_ours] == theirs
    assert texts(root, "fileRelevance") == ["Supplemental Reported"]


def test_a_text_only_report_of_enticement_with_sextortion():
    facts = case(
        incident_type=ENTICEMENT,
        report_annotations=("sextortion", "notAnAnnotation"),
        incident_description="The reported account threatened to share images unless paid.",
        files=(),
    )

    root = valid_report(facts)

    assert texts(root, "incidentSummary/incidentType") == [ENTICEMENT]
    assert tags(root.find("incidentSummary/reportAnnotations")) == ["sextortion"]
    assert completeness_problems(facts, reporter(), now=NOW) == []


def test_without_annotations_there_is_no_annotations_element():
    root = valid_report(case(report_annotations=("notAnAnnotation",)))

    assert root.find("incidentSummary/reportAnnotations") is None


def test_a_follow_up_names_the_prior_reports_on_the_first_reported_user():
    facts = case(
        reported_users=(user(1), user(2)),
        prior_reports=("123456789", "not-a-number", " 987654321 "),
    )

    root = valid_report(facts)

    first, second = root.findall("personOrUserReported")
    assert texts(first, "priorCTReports") == ["123456789", "987654321"]
    assert second.find("priorCTReports") is None


def test_a_reported_user_without_email_has_no_person_element():
    root = valid_report(case(reported_users=(user(email=""),)))

    assert root.find("personOrUserReported/personOrUserReportedPerson") is None
    assert tags(root.find("personOrUserReported"))[0] == "espIdentifier"


def test_victims_with_what_is_known_and_an_empty_victim_person():
    known = Person(esp_id="v-1", screen_name="kid", email="kid@example.net", age=13)
    facts = case(victims=(known, Person()))

    root = valid_report(facts)

    first, second = root.findall("victim")
    assert tags(first) == ["victimPerson", "espIdentifier", "screenName"]
    assert tags(first.find("victimPerson")) == ["email", "age"]
    assert texts(first, "victimPerson/age") == ["13"]
    assert tags(second) == ["victimPerson"]
    assert len(second.find("victimPerson")) == 0


@pytest.mark.parametrize("imminent", [True, False])
def test_imminent_danger_escalates_to_high_priority(imminent):
    root = valid_report(case(imminent_danger=imminent))

    escalation = texts(root, "incidentSummary/escalateToHighPriority")
    assert escalation == (["Child in imminent danger"] if imminent else [])


@pytest.mark.parametrize(
    ("incident_at", "sent"),
    [
        (NOW + timedelta(days=3), "2024-06-01T09:30:00Z"),
        (NOW + timedelta(seconds=1), "2024-06-01T09:30:00Z"),
        (
            datetime(2024, 5, 1, 14, 0, 30, 999, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:00:30Z",
        ),
        (datetime(2024, 5, 1, 12, 0), "2024-05-01T12:00:00Z"),  # naive: the project's UTC
    ],
)
def test_the_incident_time_is_utc_and_never_later_than_now(incident_at, sent):
    root = valid_report(case(incident_at=incident_at))

    assert texts(root, "incidentSummary/incidentDateTime") == [sent]


def test_without_now_a_future_incident_is_clamped_to_the_current_time():
    facts = case(incident_at=datetime.now(UTC) + timedelta(days=365))

    sent = texts(parse(report_xml(facts, reporter())), "incidentSummary/incidentDateTime")[0]

    assert datetime.fromisoformat(sent) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("viewed", "metadata_viewed", "expected"),
    [
        (False, False, ["false", "false"]),  # matched by hash, never opened
        (True, True, ["true", "true"]),
        (True, False, ["true", "false"]),
    ],
)
def test_file_and_exif_viewed_are_always_the_truth(viewed, metadata_viewed, expected):
    root = valid_file(media(viewed=viewed, metadata_viewed=metadata_viewed))

    assert texts(root, "fileViewedByEsp") + texts(root, "exifViewedByEsp") == expected


def test_supplemental_files_carry_neither_classification_nor_annotations():
    supplemental = valid_file(transcript(industry="A1", annotations=("viral",), md5=MD5))
    reported = valid_file(media(industry="A1", annotations=("viral", "infant", "unknownTag")))

    assert supplemental.find("industryClassification") is None
    assert supplemental.find("fileAnnotations") is None
    assert texts(reported, "industryClassification") == ["A1"]
    assert sorted(tags(reported.find("fileAnnotations"))) == ["infant", "viral"]


def test_unknown_classifications_are_not_sent():
    root = valid_file(media(industry="C3", annotations=("unknownTag",)))

    assert root.find("industryClassification") is None
    assert root.find("fileAnnotations") is None


# -- completeness ------------------------------------------------------------------------
