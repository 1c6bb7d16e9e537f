"""The segment of a video that matters: marked as `start-end` seconds in the decision form,
checked (400 naming the field), kept with the item's labels, shown on the case page and
told to NCMEC in the file's details."""

from __future__ import annotations

import pytest

from casework import roles
from casework.cases import filing
from casework.escalation.facts import case_facts
from casework.hotlines.ncmec import schema
from casework.hotlines.ncmec.documents import file_details_xml
from casework.models import Case
from tests.helpers import make_user, signed_in, stored_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_video():
    media, _ = stored_video(61, "ext-61")
    case = filing.file_report(media.report_id)
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{case.pk}/"
    return client, case, media


def decide(client, case, media, segment: str):
    return client.post(
        f"/cases/{case.pk}/decide",
        {"verdict": "csam_confirmed", f"industry-{media.pk}": "A1", f"segment-{media.pk}": segment},
    )


def test_the_case_page_offers_the_segment_field_and_the_play_button(held_video):
    client, case, media = held_video
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'name="segment-{media.pk}"' in page
    assert f'action="/cases/{case.pk}/media/{media.pk}/play"' in page
    assert "<video" in page and " controls" not in page  # our own buttons only
    assert 'src="blob' not in page


@pytest.mark.parametrize("segment", ["abc", "5-2", "3-3", "-1-4", "1-99999999", "1,5"])
def test_a_bad_segment_is_400_naming_the_field(held_video, segment):
    client, case, media = held_video
    response = decide(client, case, media, segment)
    assert response.status_code == 400
    assert f"segment-{media.pk}".encode() in response.content
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW


def test_the_segment_is_stored_shown_and_told_to_ncmec(held_video):
    client, case, media = held_video
    assert decide(client, case, media, " 2.5 - 7 ").status_code == 302
    decision = case.decisions.get()
    assert decision.media_labels[str(media.pk)]["segment"] == [2.5, 7.0]

    lead = signed_in(make_user("lead", roles.ESCALATION_LEAD))
    page = lead.get(f"/cases/{case.pk}/").content.decode()
    assert "Segment marked in the decision: 2.5–7.0 s" in page

    [file] = case_facts(Case.objects.get(pk=case.pk), target="ncmec").files
    assert "2.5 s to 7.0 s" in file.note
    document = file_details_xml("1", "b0754af766b426f2928a02c651ed4b99", file)
    assert "<additionalInfo>The reviewer marked the segment that matters: 2.5 s to 7.0 s" in (
        document
    )
    assert schema.problems(document) == []


def test_no_segment_is_no_note(held_video):
    client, case, media = held_video
    assert decide(client, case, media, "").status_code == 302
    assert "segment" not in case.decisions.get().media_labels[str(media.pk)]
    [file] = case_facts(Case.objects.get(pk=case.pk), target="ncmec").files
    assert file.note == ""
