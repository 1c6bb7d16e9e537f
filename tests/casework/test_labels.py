"""The case page and the audit log speak people's words: annotation names, key hints beside
the fields, verdicts that say a second person looks, audit data as names and values."""

from __future__ import annotations

import pytest

from casework import audit, roles
from casework.cases import decisions, filing
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_case_page():
    media, _ = stored_image(61, "ext-61")
    case = filing.file_report(media.report_id)
    reviewer = make_user("labels-rev", roles.REVIEWER)
    client = signed_in(reviewer)
    assert client.post(f"/queues/{case.queue.slug}/next")["Location"] == f"/cases/{case.pk}/"
    return case, reviewer, client, media


def test_the_decision_form_names_annotations_and_shows_their_keys(held_case_page):
    case, _, client, _ = held_case_page
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<kbd>p</kbd> Possible self-production" in html
    assert "<kbd>o</kbd> Anime, drawing or virtual" in html
    assert "> possibleSelfProduction<" not in html
    assert 'value="possibleSelfProduction"' in html  # the stored value is NCMEC's word
    assert 'Industry classification <span class="keys"><kbd>q</kbd>' in html
    assert "a lead reviews it before any hotline report" in html
    assert "CSAM suspected: a second reviewer decides" in html


def test_a_recorded_decision_shows_annotation_names(held_case_page):
    case, reviewer, client, media = held_case_page
    annotations = ["possibleSelfProduction", "generativeAi"]
    labels = {str(media.pk): {"industry": "A1", "iwf": "", "annotations": annotations}}
    decisions.record_decision(
        case_id=case.pk, user=reviewer, verdict="csam_suspected", media_labels=labels
    )
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Generative AI, Possible self-production" in html


def test_the_audit_log_shows_data_as_names_and_values():
    auditor = make_user("labels-auditor", roles.AUDITOR)
    audit.record(
        "case.decided",
        actor="user:x",
        target="case:1",
        data={"verdict": "not_csam", "media_ids": [4, 5], "labels": {"4": {"iwf": "A"}}},
    )
    html = signed_in(auditor).get("/audit/").content.decode()
    assert "<dt>media ids</dt><dd>4, 5</dd>" in html
    assert "<dt>verdict</dt><dd>not_csam</dd>" in html
    assert "{&#x27;verdict&#x27;" not in html and "{'verdict'" not in html
