"""The UK NCA adapter: the report carries each Schedule 1 item, the sandbox enforces the
required fields and the key and answers a reference (the same one for a repeat), and an
approved case goes through the outbox to one finished NCA report."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from casework import roles
from casework.cases import filing
from casework.escalation import outbox
from casework.escalation.models import Escalation
from casework.escalation.routing import Route
from casework.hotlines import connect
from casework.hotlines.facts import CaseFacts, FileFacts, IpEvent, Person
from casework.hotlines.nca import NcaReport, documents, retention
from casework.hotlines.nca.client import NcaClient
from casework.hotlines.nca.config import nca_settings
from casework.hotlines.nca.sandbox import NcaSandbox
from casework.models import AuditEvent
from reports.models import Media
from tests.helpers import make_user, signed_in, stored_image
from tests.hotlines.escalations import approve

KEY = "test-nca-key"
DATA = b"synthetic bytes, not an image"
AT = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def nca(settings):
    server = NcaSandbox(api_key=KEY).start()
    settings.NCA_BASE_URL = server.url
    settings.NCA_API_KEY = KEY
    settings.NCA_AUTHORISED_PERSON_NAME = "A. Person"
    settings.NCA_AUTHORISED_PERSON_EMAIL = "safety@example.test"
    settings.NCA_PROVIDER_NAME = "Example Ltd"
    yield server
    server.stop()


def facts(**changes) -> CaseFacts:
    file = FileFacts(
        key="media:1",
        name="case-7-media-1.png",
        original_name="x.png",
        content_type="image/png",
        relevance="reported",
        sha256=hashlib.sha256(DATA).hexdigest(),
        md5=hashlib.md5(DATA, usedforsecurity=False).hexdigest(),
        exif=(("Make", "Synthetic"),),
        viewed=True,
        industry="A1",
    )
    uploader = Person(
        esp_id="acct-1",
        screen_name="someone",
        email="someone@example.test",
        ip_events=(IpEvent("192.0.2.1", "upload", AT, port=50123),),
    )
    values = {
        "case_id": 7,
        "service": "p",
        "incident_type": "csam",
        "incident_at": AT,
        "urls": ("https://p.example/post/1",),
        "reported_users": (uploader,),
        "victims": (Person(esp_id="child-1", age=13),),
        "files": (file,),
        "detected_at": AT,
        "detected_by": ("classifier",),
    }
    return CaseFacts(**(values | changes))


def built(**changes) -> dict:
    return documents.report(facts(**changes), lambda key: DATA)


def post(server: NcaSandbox, report: dict, key: str = KEY) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return requests.post(f"{server.url}/reports", json=report, headers=headers, timeout=5)


def test_the_report_carries_each_schedule_1_item(nca):
    report = built()
    person = report["authorised_person"]  # para 1
    assert (person["name"], person["email"], person["service"]) == (
        "A. Person",
        "safety@example.test",
        "p",
    )
    [content] = report["content"]  # para 2
    assert content["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert content["exif"] == {"Make": "Synthetic"}
    assert content["urls"] == ["https://p.example/post/1"]
    assert (content["detected_at"], content["detected_by"]) == (AT.isoformat(), ["classifier"])
    assert base64.b64decode(content["data_base64"]) == DATA
    [user] = report["users"]  # paras 4 and 5
    assert user["ids"] == ["acct-1"] and user["emails"] == ["someone@example.test"]
    assert user["ip_addresses"] == [
        {"ip": "192.0.2.1", "port": 50123, "at": AT.isoformat(), "event": "upload"}
    ]
    assert user["linked_accounts"] == [] and user["identity_documents_held"] == []
    assert report["other_information"]["children"][0]["age"] == 13  # para 6
    assert report["priority"]["level"] == "standard"  # reg. 14
    assert report["subsequent_report"] is None  # reg. 13
    assert report["declaration"]["all_reasonably_available_information_included"] is True
    assert documents.missing_fields(report) == []


def test_a_child_at_immediate_risk_is_urgent_and_an_earlier_report_is_linked(nca):
    report = built(imminent_danger=True, prior_reports=("NCA-00000001",))
    assert report["priority"]["level"] == "urgent"
    assert report["subsequent_report"] == {"earlier_references": ["NCA-00000001"]}


def test_what_is_kept_of_the_report_holds_no_content_bytes(nca):
    kept = documents.for_the_record(built())
    assert "data_base64" not in kept["content"][0]
    assert kept["content"][0]["data_omitted"].startswith(f"{len(DATA)} bytes")


def test_the_sandbox_answers_a_reference_and_the_same_one_for_a_repeat(nca):
    first = post(nca, built())
    assert first.status_code == 201
    reference = first.json()["reference"]
    assert reference.startswith("NCA-")
    again = post(nca, built())
    assert (again.status_code, again.json()["reference"]) == (200, reference)
    assert len(nca.reports) == 1


def test_the_sandbox_names_each_missing_field(nca):
    report = built()
    del report["authorised_person"]["email"]
    report["content"][0]["detected_by"] = []
    report["declaration"]["all_reasonably_available_information_included"] = False
    answer = post(nca, report)
    assert answer.status_code == 422
    assert answer.json()["missing"] == [
        "authorised_person.email",
        "content[0].detected_by",
        "declaration.all_reasonably_available_information_included",
    ]
    assert nca.reports == {}


def test_the_sandbox_refuses_content_that_does_not_match_its_hash(nca):
    report = built()
    report["content"][0]["data_base64"] = base64.b64encode(b"other").decode()
    assert post(nca, report).status_code == 422


def test_the_sandbox_refuses_a_wrong_key_and_the_client_calls_it_credentials(nca):
    assert post(nca, built(), key="not-the-key-42").status_code == 401
    answer = NcaClient(api_key="not-the-key-42").submit(json.dumps(built()).encode(), "r")
    assert (answer.outcome, answer.http_status) == ("credentials", 401)
    assert "not-the-key-42" not in answer.message + answer.receipt.body


def test_the_client_maps_refusals_and_transient_failures(nca):
    report = built()
    del report["priority"]
    refused = NcaClient().submit(json.dumps(report).encode(), "r")
    assert (refused.outcome, refused.http_status) == ("refused", 422)
    assert "priority.level" in refused.message
    nca.fail_next(1, 503)
    assert NcaClient().submit(json.dumps(built()).encode(), "r").outcome == "retry"
    ok = NcaClient().submit(json.dumps(built()).encode(), "r")
    assert ok.ok and ok.report_id.startswith("NCA-")


def test_the_client_uses_a_client_certificate_and_needs_an_endpoint(settings):
    settings.NCA_API_KEY = ""
    settings.NCA_CLIENT_CERT, settings.NCA_CLIENT_KEY = "/etc/nca/cert.pem", "/etc/nca/key.pem"
    client = NcaClient(base_url="")
    assert client.session.cert == ("/etc/nca/cert.pem", "/etc/nca/key.pem")
    assert "Authorization" not in client.session.headers
    answer = client.submit(b"{}", "r")
    assert (answer.outcome, answer.message) == ("credentials", "NCA_BASE_URL is not set")


def test_the_adapter_needs_the_authorised_person(settings):
    settings.NCA_AUTHORISED_PERSON_NAME = ""
    settings.NCA_AUTHORISED_PERSON_EMAIL = "safety@example.test"
    problems = NcaReport(read=lambda key: DATA).problems(facts())
    assert problems == ["NCA_AUTHORISED_PERSON_NAME is not set"]
    assert isinstance(connect("nca"), NcaReport)


# --- Through the outbox -------------------------------------------------------------------


def nca_escalation(n: int, account: str = "", **report_fields) -> tuple[Escalation, Media]:
    uploader = {"id": account or f"acct-{n}"}
    media, _ = stored_image(n, f"nca-{n}", uploader=uploader, **report_fields)
    case = filing.file_report(media.report_id)
    approve(case, n, approval={"targets": ["nca"], "reason": "UK-linked content"})
    return Escalation.objects.get(case=case, target="nca"), media


@pytest.mark.django_db
def test_an_approved_case_ends_as_one_finished_nca_report(nca, settings):
    escalation, media = nca_escalation(31, child_in_imminent_danger=True)
    assert outbox.drive(escalation.pk) == "finished"
    escalation.refresh_from_db()
    [filed] = nca.reports.values()
    assert escalation.hotline_id == filed["reference"]
    report = filed["report"]
    assert report["priority"]["level"] == "urgent"
    [content] = report["content"]
    assert content["sha256"] == media.sha256
    assert hashlib.sha256(base64.b64decode(content["data_base64"])).hexdigest() == media.sha256
    [sent] = escalation.documents.filter(direction="sent")
    assert "data_base64" not in sent.body and KEY not in sent.body
    assert escalation.files.get().report_id == filed["reference"]
    assert escalation.case.status == "escalated"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"escalation.submitted", "escalation.finished"} <= actions
    lead = make_user("nca-watcher", roles.ESCALATION_LEAD)
    page = signed_in(lead).get(f"/cases/{escalation.case_id}/").content.decode()
    assert filed["reference"] in page and "sent: report.json" in page
    # The NCA's year of the reported data holds the file from the purge.
    media.refresh_from_db()
    assert media.preserved_until >= escalation.submitted_at + timedelta(days=364)


@pytest.mark.django_db
def test_a_503_is_retried_and_a_lost_answer_never_files_twice(nca):
    escalation, _ = nca_escalation(32)
    nca.fail_next(1, 503)
    assert outbox.drive(escalation.pk) == "sending"  # retried later, with backoff
    Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
    nca.fail_next(1, "drop-after")  # filed, but the answer is lost
    outbox.drive(escalation.pk)
    Escalation.objects.filter(pk=escalation.pk).update(next_attempt_at=None)
    assert outbox.drive(escalation.pk) == "finished"
    escalation.refresh_from_db()
    [filed] = nca.reports.values()
    assert escalation.hotline_id == filed["reference"]
    assert nca.calls == [503, 0, 200]


@pytest.mark.django_db
def test_a_refused_key_stops_and_files_nothing(nca, settings):
    escalation, _ = nca_escalation(35)
    settings.NCA_API_KEY = "not-the-key-42"
    assert outbox.drive(escalation.pk) == "needs_attention"
    escalation.refresh_from_db()
    assert "credentials" in escalation.problem and escalation.hotline_id == ""
    assert nca.reports == {}


@pytest.mark.django_db
def test_a_later_report_on_the_same_account_is_a_subsequent_report(nca):
    first, _ = nca_escalation(33)
    outbox.drive(first.pk)
    first.refresh_from_db()
    second, _ = nca_escalation(34, account="acct-33")
    assert outbox.drive(second.pk) == "finished"
    later = next(r["report"] for r in nca.reports.values() if r["reference"] != first.hotline_id)
    assert later["subsequent_report"] == {"earlier_references": [first.hotline_id]}


def test_retention_and_the_ncmec_setting(settings):
    kept = retention.nca_retention(AT)
    assert kept.data_until == AT + timedelta(days=365)
    assert kept.reference_until == AT + timedelta(days=5 * 365)
    assert retention.nca_wanted([Route("ncmec", "US")])
    settings.NCA_ALSO_WHEN_NCMEC = False
    assert not retention.nca_wanted([Route("ncmec", "US")])
    assert retention.nca_wanted(["iwf"])


def test_the_command_refuses_an_unknown_fault():
    with pytest.raises(CommandError, match="bad fault"):
        call_command("hotline_sandbox", "nca", "--port", "0", "--fail-status", "418")


def test_the_settings_refuse_a_short_data_span_and_half_a_certificate(monkeypatch):
    monkeypatch.setenv("NCA_DATA_KEEP_DAYS", "30")
    with pytest.raises(ImproperlyConfigured, match="NCA_DATA_KEEP_DAYS"):
        nca_settings()
    monkeypatch.setenv("NCA_DATA_KEEP_DAYS", "365")
    monkeypatch.setenv("NCA_CLIENT_CERT", "/etc/nca/cert.pem")
    with pytest.raises(ImproperlyConfigured, match="NCA_CLIENT_KEY"):
        nca_settings()
    monkeypatch.delenv("NCA_CLIENT_CERT")
    assert nca_settings()["NCA_REFERENCE_KEEP_DAYS"] == 5 * 365
