"""Videos about the same content share a case (vPDQ, as near-duplicate images do), and a
video's list match shows its two shares and the matched segment on the case page."""

from __future__ import annotations

import hashlib

import pytest

from casework import roles
from casework.cases import filer
from casework.cases.video_matches import clock, shown
from casework.models import AuditEvent
from reports import synthetic, vpdq
from reports.matching import record_matches
from reports.models import HashEntry, HashList, Media, MediaVpdq
from reports.processing import keyframes_with_times
from reports.selectors import match_status
from reports.vpdq_entries import stored
from tests.casework.test_cases import make_report
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

SCENES = list(range(100, 108))  # an 8 s video, a new picture each second
OTHER_SCENES = list(range(300, 308))


def video_report(n: int, data: bytes) -> Media:
    """A processed report of one video, its vPDQ and keyframe times as processing stores them."""
    frames = vpdq.hash_video(data)
    media = Media.objects.create(
        report=make_report(n),
        position=0,
        filename="v.mp4",
        kind="video",
        content_type="video/mp4",
        size=len(data),
        width=320,
        height=240,
        vault_name=f"video-{n}",
        key_id="k",
        sha256=hashlib.sha256(data).hexdigest(),
        status="processed",
        vpdq_frames=len(frames),
        keyframe_times=keyframes_with_times(data)[1],
    )
    MediaVpdq.objects.create(media=media, records=vpdq.to_records(frames))
    return media


def test_a_re_encoded_cropped_stamped_copy_joins_the_first_videos_case():
    first = video_report(1, synthetic.scenes_video(SCENES))
    case = filer.file_batch()[first.report_id]
    copy = video_report(2, synthetic.scenes_video(SCENES, codec="libx264", altered=True))
    unrelated = video_report(3, synthetic.scenes_video(OTHER_SCENES))
    assert copy.sha256 != first.sha256

    case_of = filer.file_batch()

    assert case_of[copy.report_id].pk == case.pk
    assert case_of[unrelated.report_id].pk != case.pk
    case.refresh_from_db()
    assert case.routing_reason.endswith(
        f"; joined case {case.pk}: video matches media {first.pk} at 100 % / 100 %"
    )
    added = AuditEvent.objects.get(action="case.report_added", data__report=copy.report_id)
    assert added.data["because"].startswith(f"joined case {case.pk}: video matches media")


def test_two_matching_videos_of_one_batch_land_in_one_case():
    first = video_report(1, synthetic.scenes_video(SCENES))
    copy = video_report(2, synthetic.scenes_video(SCENES, codec="libx264", altered=True))
    unrelated = video_report(3, synthetic.scenes_video(OTHER_SCENES))

    case_of = filer.file_batch()

    assert case_of[first.report_id].pk == case_of[copy.report_id].pk
    assert case_of[unrelated.report_id].pk != case_of[first.report_id].pk
    case = case_of[first.report_id]
    case.refresh_from_db()
    assert f"joined case {case.pk}: video matches media {first.pk}" in case.routing_reason
    assert not case_of[unrelated.report_id].routing_reason.count("joined case")


def test_a_video_sharing_half_its_scenes_joins_only_when_the_rule_allows(settings):
    first = video_report(1, synthetic.scenes_video(SCENES))
    case = filer.file_batch()[first.report_id]
    half = video_report(2, synthetic.scenes_video(SCENES[:4] + OTHER_SCENES[:4]))
    assert filer.file_batch()[half.report_id].pk != case.pk  # 50 % of its frames < 80 %

    settings.VPDQ_QUERY_MATCH_PERCENT = 40
    again = video_report(3, synthetic.scenes_video(SCENES[:4] + OTHER_SCENES[4:]))
    joined = filer.file_batch()[again.report_id]
    assert joined.pk == case.pk
    joined.refresh_from_db()
    assert joined.routing_reason.endswith(f"video matches media {first.pk} at 50 % / 50 %")


def listed_clip(seeds: list[int]) -> HashEntry:
    hash_list = HashList.objects.create(name="clips", default_category="A1")
    frames = vpdq.hash_video(synthetic.scenes_video(seeds))
    value, serialized = stored(vpdq.to_threatexchange(frames))
    return HashEntry.objects.create(
        hash_list=hash_list, kind="vpdq", value=value, frames=serialized
    )


def test_the_segment_is_where_a_listed_clip_sits_in_the_middle_of_a_video(settings):
    settings.VPDQ_QUERY_MATCH_PERCENT = 30  # the clip is 4 s of the video's 10
    entry = listed_clip([10, 11, 12, 13])
    video = video_report(1, synthetic.scenes_video([1, 2, 3, 10, 11, 12, 13, 4, 5, 6]))

    (match,) = record_matches(video)

    assert match.entry_id == entry.pk
    assert (match.query_match_percent, match.compared_match_percent) == (40.0, 100.0)
    assert (match.segment_start, match.segment_end) == (3.0, 6.0)
    shown_to_platform = match_status(match)
    assert (shown_to_platform["segment_start"], shown_to_platform["segment_end"]) == (3.0, 6.0)


def test_tiles_in_the_segment_are_marked():
    match = {
        "list": "clips",
        "category": "A1",
        "query_match_percent": 92.4,
        "compared_match_percent": 88.0,
        "segment_start": 12.0,
        "segment_end": 47.0,
    }
    (one,) = shown([match], [0.0, 12.0, 30.0, 47.0, 47.5, 3700.0])
    assert (one.query_percent, one.compared_percent, one.segment) == ("92", "88", "00:12–00:47")
    assert [t.in_segment for t in one.tiles] == [False, True, True, True, False, False]
    assert one.tiles[-1].at == "1:01:40"
    assert clock(59.9) == "00:59"


def test_the_case_page_shows_both_shares_and_the_segment(settings):
    settings.VPDQ_QUERY_MATCH_PERCENT = 30
    listed_clip([10, 11, 12, 13])
    video = video_report(1, synthetic.scenes_video([1, 2, 3, 10, 11, 12, 13, 4, 5, 6]))
    record_matches(video)
    case = filer.file_batch()[video.report_id]
    client = signed_in(make_user("rev", roles.REVIEWER))

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert "Video match: clips, category A1" in page
    assert "Frames matched: 40 % of this video's · 100 % of the listed video's" in page
    assert 'Matched segment <span class="segment">00:03–00:06</span>' in page
    marked = page.count('<li class="in-segment">')
    assert marked == sum(3.0 <= t <= 6.0 for t in video.keyframe_times) > 0
