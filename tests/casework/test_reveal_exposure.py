"""How long a revealed original stays on screen: the case page re-blurs it after the
reviewer's chosen time and reports each re-blur (seconds shown and why), audited beside the
reveal; and items matched in a warned category show a warning before any preview."""

from __future__ import annotations

import re

import pytest

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, ViewSettings
from reports.models import HashEntry, HashList, MediaMatch
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db


def held(seed: int, category: str = ""):
    media, _ = stored_image(seed, f"ext-{seed}")
    if category:
        hash_list = HashList.objects.create(name=f"list-{category}", default_category=category)
        entry = HashEntry.objects.create(
            hash_list=hash_list, kind="sha256", value=media.sha256, category=category
        )
        MediaMatch.objects.create(media=media, entry=entry, distance=0)
    case = filing.file_report(media.report_id)
    reviewer = make_user(f"rev{seed}", roles.REVIEWER)
    client = signed_in(reviewer)
    assert client.post(f"/queues/{case.queue.slug}/next")["Location"] == f"/cases/{case.pk}/"
    return case, media, client, reviewer


def test_a_reblur_after_a_reveal_is_audited_with_seconds_and_cause():
    case, media, client, _ = held(61)
    client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    answer = client.post(
        f"/cases/{case.pk}/media/{media.pk}/reblurred", {"seconds": "9.96", "cause": "timer"}
    )
    assert answer.status_code == 204
    event = AuditEvent.objects.get(action="media.reblurred")
    assert (event.actor, event.target) == ("user:rev61", f"media:{media.pk}")
    assert event.data == {"case": case.pk, "seconds": 10.0, "cause": "timer"}


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"seconds": "-1", "cause": "timer"}, "seconds"),
        ({"seconds": "nan", "cause": "timer"}, "seconds"),
        ({"seconds": "many", "cause": "timer"}, "seconds"),
        ({"seconds": "100000", "cause": "timer"}, "seconds"),
        ({"seconds": "3", "cause": "bored"}, "cause"),
        ({"cause": "manual"}, "seconds"),
    ],
)
def test_a_bad_reblur_is_400_naming_the_field_and_not_recorded(fields, named):
    case, media, client, _ = held(62)
    client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    answer = client.post(f"/cases/{case.pk}/media/{media.pk}/reblurred", fields)
    assert answer.status_code == 400
    assert answer.json()["field"] == named
    assert not AuditEvent.objects.filter(action="media.reblurred").exists()


def test_a_reblur_without_a_reveal_is_refused():
    case, media, client, _ = held(63)
    answer = client.post(
        f"/cases/{case.pk}/media/{media.pk}/reblurred", {"seconds": "1", "cause": "manual"}
    )
    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="media.reblurred").exists()


def test_the_case_page_carries_the_reviewers_reveal_time():
    case, _, client, reviewer = held(64)
    ViewSettings.objects.create(user=reviewer, reveal_seconds=30)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-reveal-seconds="30"' in page
    assert "blurred again after 30 seconds" in page


def preview_tags(page: str) -> list[str]:
    return re.findall(r"<img class=\"preview\"[^>]*>", page)


def test_a_category_a_match_shows_a_warning_and_no_preview_until_asked():
    case, media, client, _ = held(65, category="A1")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "a hash list puts this item in category A1" in page
    [tag] = preview_tags(page)
    assert " src=" not in tag and "hidden" in tag  # the browser has not fetched it
    assert f'data-preview-src="/media/{media.pk}/preview"' in tag
    assert re.search(r'aria-keyshortcuts="Shift\+R" disabled', page)


def test_a_category_the_reviewer_is_not_warned_about_shows_its_preview():
    case, media, client, _ = held(66, category="B2")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "a hash list puts this item" not in page
    [tag] = preview_tags(page)
    assert f'src="/media/{media.pk}/preview"' in tag


def test_a_reviewer_who_turned_warnings_off_sees_the_preview():
    case, _, client, reviewer = held(67, category="A")
    ViewSettings.objects.create(user=reviewer, warn_categories=[])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "a hash list puts this item" not in page


def test_a_reblur_reported_as_the_page_is_left_counts_after_the_case_is_released():
    case, media, client, _ = held(68)
    client.post(f"/cases/{case.pk}/media/{media.pk}/reveal")
    assert client.post(f"/cases/{case.pk}/release").status_code == 302
    answer = client.post(
        f"/cases/{case.pk}/media/{media.pk}/reblurred", {"seconds": "4", "cause": "left"}
    )
    assert answer.status_code == 204
    assert AuditEvent.objects.get(action="media.reblurred").data["cause"] == "left"
