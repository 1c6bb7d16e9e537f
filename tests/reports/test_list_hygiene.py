"""Hash-list hygiene in reports: a list's own PDQ distance, its switch per signal kind, flood
quarantine as matches are recorded, disabled entries, and not-CSAM verdicts counted."""

from __future__ import annotations

import random

import pytest

from reports import hygiene, synthetic
from reports.hashlists import ParsedEntry, import_entries
from reports.matching import record_matches
from reports.models import HashEntry, HashList, MediaMatch
from tests.casework.test_cases import make_report
from tests.reports.test_matching import flip_bits, make_list, make_media
from tests.reports.test_vpdq_lists import make_video, near, vpdq_entry

pytestmark = pytest.mark.django_db

SHA = "a" * 64


def matched_lists(media) -> list[str]:
    return sorted(m.entry.hash_list.name for m in record_matches(media))


def test_each_list_holds_pdq_matches_to_its_own_distance(settings):
    media = make_media(synthetic.picture(40))
    at_20 = flip_bits(media.pdq, 20)
    wide = make_list("wide", [ParsedEntry("pdq", at_20)])
    narrow = make_list("narrow", [ParsedEntry("pdq", at_20)])
    HashList.objects.filter(pk=wide.pk).update(pdq_distance=31)
    HashList.objects.filter(pk=narrow.pk).update(pdq_distance=10)
    assert matched_lists(media) == ["wide"]
    # a list wider than the setting is still queried wide enough
    settings.PDQ_MATCH_DISTANCE = 10
    HashList.objects.filter(pk=narrow.pk).update(pdq_distance=None)
    assert matched_lists(media) == ["wide"]
    assert [m.distance for m in record_matches(media)] == [20]
    HashList.objects.filter(pk=wide.pk).update(pdq_distance=None)
    assert matched_lists(media) == []


def test_a_lists_pdq_distance_holds_for_video_frames_too():
    rng = random.Random(3)
    frames = _frames(rng)
    video = make_video(41, frames)
    still = near(frames[0].pdq, rng, 20)
    listed = make_list("stills", [ParsedEntry("pdq", still)])
    make_list("wide", [ParsedEntry("pdq", f"{rng.getrandbits(256):064x}")])  # queried at 31
    assert matched_lists(video) == ["stills"]
    HashList.objects.filter(pk=listed.pk).update(pdq_distance=10)
    assert matched_lists(video) == []


def _frames(rng: random.Random):
    from reports.vpdq import Frame

    return [Frame(i, 100, f"{rng.getrandbits(256):064x}", float(i)) for i in range(4)]


@pytest.mark.parametrize("kind", ["md5", "sha1", "sha256", "pdq"])
def test_a_kind_switched_off_matches_nothing_of_that_kind(kind):
    media = make_media(synthetic.picture(42))
    entries = [ParsedEntry(k, getattr(media, k)) for k in ("md5", "sha1", "sha256", "pdq")]
    listed = make_list("all-kinds", entries)
    assert {m.entry.kind for m in record_matches(media)} == {"md5", "sha1", "sha256", "pdq"}
    HashList.objects.filter(pk=listed.pk).update(**{f"match_{kind}": False})
    kinds = {m.entry.kind for m in record_matches(media)}
    assert kinds == {"md5", "sha1", "sha256", "pdq"} - {kind}


def test_the_vpdq_switch_turns_off_video_matches():
    frames = _frames(random.Random(5))
    video = make_video(43, frames)
    listed = HashList.objects.create(name="clips")
    import_entries(listed, [vpdq_entry(frames)])
    assert [m.entry.kind for m in record_matches(video)] == ["vpdq"]
    HashList.objects.filter(pk=listed.pk).update(match_vpdq=False)
    assert record_matches(video) == []


def flood(entry: HashEntry, count: int, start: int = 0) -> list:
    """count reports whose one media item has the entry's SHA-256, each matched."""
    reports = [make_report(start + i, sha256s=[entry.value]) for i in range(count)]
    for report in reports:
        record_matches(report.media.get())
    return reports


def sha_entry(name: str = "Known", purpose: str = "match") -> HashEntry:
    hash_list = HashList.objects.create(name=name, purpose=purpose)
    return HashEntry.objects.create(hash_list=hash_list, kind="sha256", value=SHA)


def test_a_flood_quarantines_the_entry_at_the_threshold(settings):
    settings.FLOOD_MATCHES = 5
    entry = sha_entry()
    flood(entry, 4)
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.ACTIVE
    flood(entry, 1, start=4)
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.QUARANTINED
    assert entry.quarantine_reason == "flood: 5 matches within 60 min"
    # still recorded: the matches are kept and later ones recorded
    flood(entry, 1, start=5)
    assert MediaMatch.objects.filter(entry=entry).count() == 6
    [listed] = hygiene.entries_in_review()
    assert (listed.id, listed.matches, listed.recent_matches) == (entry.pk, 6, 6)


def test_matches_older_than_the_window_are_no_flood(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.FLOOD_MATCHES = 3
    entry = sha_entry()
    flood(entry, 2)
    MediaMatch.objects.update(found_at=timezone.now() - timedelta(minutes=61))
    flood(entry, 2, start=2)
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.ACTIVE


def test_a_confirmed_entry_is_not_quarantined_by_a_flood(settings):
    settings.FLOOD_MATCHES = 2
    entry = sha_entry()
    flood(entry, 2)
    hygiene.review_entry(entry.pk, confirm=True, by="lead")
    flood(entry, 3, start=2)
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.CONFIRMED and entry.reviewed_by == "lead"
    with pytest.raises(hygiene.EntryNotInReview):
        hygiene.review_entry(entry.pk, confirm=False, by="lead")


def test_a_disabled_entry_stops_matching(settings):
    settings.FLOOD_MATCHES = 2
    entry = sha_entry()
    reports = flood(entry, 2)
    reviewed = hygiene.review_entry(entry.pk, confirm=False, by="lead")
    assert sorted(reviewed.report_ids) == sorted(r.pk for r in reports)
    assert not MediaMatch.objects.filter(entry=entry).exists()
    assert record_matches(reports[0].media.get()) == []
    assert record_matches(make_report(9, sha256s=[SHA]).media.get()) == []


def test_a_disabled_pdq_entry_leaves_the_index():
    media = make_media(synthetic.picture(44))
    listed = make_list("pdqs", [ParsedEntry("pdq", media.pdq)])
    assert matched_lists(media) == ["pdqs"]
    listed.entries.update(state=HashEntry.State.DISABLED)
    assert matched_lists(media) == []


def test_third_party_entries_repeatedly_not_csam_are_flagged(settings):
    settings.NOT_CSAM_FLAG_COUNT = 3
    third_party = sha_entry("NCMEC")
    ours = HashEntry.objects.create(
        hash_list=HashList.objects.create(name="ours", purpose="confirmed"),
        kind="sha256",
        value=SHA,
    )
    media = [r.media.get() for r in flood(third_party, 3)]
    assert hygiene.note_not_csam([media[0].pk, media[1].pk]) == []  # one case: counts once
    assert hygiene.note_not_csam([media[1].pk]) == []
    assert hygiene.note_not_csam([media[2].pk]) == [third_party.pk]
    third_party.refresh_from_db()
    ours.refresh_from_db()
    assert third_party.state == HashEntry.State.QUARANTINED
    assert third_party.quarantine_reason == "repeatedly decided not CSAM"
    assert third_party.not_csam_count == 3
    assert ours.state == HashEntry.State.ACTIVE and ours.not_csam_count == 0


def test_a_rescan_of_old_media_is_no_flood(settings):
    from datetime import timedelta

    from django.utils import timezone

    from reports.models import Media

    settings.FLOOD_MATCHES = 3
    reports = [make_report(n, sha256s=[SHA]) for n in range(4)]
    Media.objects.update(created_at=timezone.now() - timedelta(days=30))
    entry = sha_entry()  # a list imported today: every old media item is rescanned
    for report in reports:
        record_matches(report.media.get())
    entry.refresh_from_db()
    assert entry.state == HashEntry.State.ACTIVE
    assert MediaMatch.objects.filter(entry=entry).count() == 4
