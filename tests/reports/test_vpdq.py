"""vPDQ hashing against the reference's own published hashes, and the matching rule's edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import synthetic, vpdq
from reports.vpdq import Frame, frame_step
from reports.vpdq_matching import Rule, compare, prepared

DATA = Path(__file__).resolve().parent.parent / "data" / "vpdq"
SAMPLES = sorted(p.stem for p in DATA.glob("*.mp4"))
# The reference's regression rule (vpdq/python/tests/test_vpdq_hash.py).
REFERENCE_DISTANCE = 31
REFERENCE_QUALITY = 50


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def flip(hex_hash: str, n: int) -> str:
    value = int(hex_hash, 16)
    for bit in range(n):
        value ^= 1 << (bit * 4)
    return f"{value:064x}"


BASE = [synthetic_hash for synthetic_hash in (f"{i:02x}" * 32 for i in (0x3C, 0xA5, 0x5A, 0x96))]


def frames(*hashes: str, quality: int = 100) -> list[Frame]:
    return [Frame(i, quality, h, float(i)) for i, h in enumerate(hashes)]


def test_the_samples_and_their_licence_are_in_the_repository():
    assert SAMPLES == [
        "doorknob-hd-no-bar",
        "pattern-sd-grey-bar",
        "pattern-sd-with-small-logo-bar",
        "test-padded-dimensions",
    ]
    assert "BSD License" in (DATA / "LICENSE").read_text()


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_frame_matches_the_reference_hashes(sample):
    reference = vpdq.from_records((DATA / f"{sample}.txt").read_text())
    ours = vpdq.hash_video((DATA / f"{sample}.mp4").read_bytes(), frames_per_second=0)
    assert [f.number for f in ours] == [f.number for f in reference]
    compared = [
        distance(a.pdq, b.pdq)
        for a, b in zip(ours, reference, strict=True)
        if a.quality >= REFERENCE_QUALITY and b.quality >= REFERENCE_QUALITY
    ]
    assert compared, "no frame of good quality to compare"
    assert max(compared) < REFERENCE_DISTANCE
    assert max(abs(a.timestamp - b.timestamp) for a, b in zip(ours, reference, strict=True)) < 0.001
    assert max(abs(a.quality - b.quality) for a, b in zip(ours, reference, strict=True)) <= 5


def test_one_frame_a_second_is_the_reference_sampling_of_every_frame():
    data = (DATA / "test-padded-dimensions.mp4").read_bytes()  # 30 frames a second
    every = vpdq.hash_video(data, frames_per_second=0)
    sampled = vpdq.hash_video(data, frames_per_second=1)
    assert [f.number for f in sampled] == [0, 30, 60, 90, 120]
    assert sampled == [f for f in every if f.number % 30 == 0]
    assert [f.number for f in vpdq.hash_video(data, frames_per_second=2)] == list(range(0, 150, 15))


@pytest.mark.parametrize(
    ("per_second", "rate", "step"),
    [(1, 30, 30), (1, 29.97, 29), (2, 30, 15), (0, 30, 1), (1, 0.5, 1)],
)
def test_the_frame_step_truncates_as_the_reference_does(per_second, rate, step):
    assert frame_step(per_second, rate) == step


def test_records_and_threatexchange_serialization_round_trip():
    hashed = vpdq.hash_video(synthetic.video_bytes(3, seconds=3, fps=10), frames_per_second=1)
    assert [f.number for f in hashed] == [0, 10, 20]
    assert vpdq.from_records(vpdq.to_records(hashed)) == hashed
    text = vpdq.to_threatexchange(hashed)
    assert text.startswith(f'["{hashed[0].pdq},{hashed[0].quality},0.000"')
    assert vpdq.from_threatexchange(text) == [
        Frame(i, f.quality, f.pdq, round(f.timestamp, 3)) for i, f in enumerate(hashed)
    ]
    # python-threatexchange's own writing: spaces after commas, 3 significant digits.
    assert vpdq.from_threatexchange(f'["{"a" * 64},90,1.25e+02", "{"b" * 64},40,0.033"]') == [
        Frame(0, 90, "a" * 64, 125.0),
        Frame(1, 40, "b" * 64, 0.033),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "non-empty"),
        ("{}", "non-empty"),
        ("[1", "not a JSON list"),
        (f'["{"a" * 63},90,0"]', "frame 0: the PDQ hash"),
        (f'["{"a" * 64},90,0", "{"a" * 64},101,1"]', "frame 1: quality"),
        (f'["{"a" * 64},90,-1"]', "frame 0: the timestamp"),
        (f'["{"a" * 64},90"]', "frame 0: must be"),
        (f'["{"a" * 64},x,0"]', "frame 0: quality and timestamp"),
    ],
)
def test_bad_serializations_name_the_frame(text, message):
    with pytest.raises(ValueError, match=message):
        vpdq.from_threatexchange(text)


# --- The rule ------------------------------------------------------------------------------


def test_frames_under_the_quality_are_dropped_and_equal_hashes_kept_once():
    video = [
        Frame(0, 49, BASE[0], 0.0),
        Frame(1, 50, BASE[1], 1.0),
        Frame(2, 100, BASE[1], 2.0),
        Frame(3, 80, BASE[2], 3.0),
    ]
    assert prepared(video, 50) == [BASE[1], BASE[2]]
    assert prepared(video, 0) == [BASE[0], BASE[1], BASE[2]]


def test_a_frame_matches_within_31_inclusive():
    rule = Rule()
    assert compare(frames(flip(BASE[0], 31)), frames(BASE[0]), rule).query_match_percent == 100
    assert compare(frames(flip(BASE[0], 32)), frames(BASE[0]), rule).query_match_percent == 0
    tighter = Rule(frame_distance=30)
    assert compare(frames(flip(BASE[0], 31)), frames(BASE[0]), tighter).query_match_percent == 0


def test_both_percentages_and_the_80_percent_rule():
    rule = Rule()
    query = frames(BASE[0], BASE[1], BASE[2], BASE[3], "f" * 64)  # 4 of 5 known: 80 %
    compared = frames(BASE[0], BASE[1], BASE[2], BASE[3], flip(BASE[3], 40), flip(BASE[2], 60))
    match = compare(query, compared, rule)
    assert (match.query_match_percent, match.is_match) == (80.0, True)
    assert match.compared_match_percent == pytest.approx(400 / 6)
    short = compare(query[1:], compared[1:], rule)  # 3 of 4: 75 %
    assert (short.query_match_percent, short.is_match) == (75.0, False)
    assert not compare(query, compared, Rule(compared_match_percent=70)).is_match
    assert compare(
        query, compared, Rule(query_match_percent=80, compared_match_percent=66)
    ).is_match


def test_duplicates_and_poor_frames_do_not_count_in_the_shares():
    rule = Rule()
    query = frames(BASE[0], BASE[0], BASE[0], BASE[0], BASE[1]) + [Frame(9, 10, "f" * 64, 9.0)]
    match = compare(query, frames(BASE[0]), rule)
    assert match.query_match_percent == 50.0  # of 2 distinct good frames, 1 is known
    assert match.compared_match_percent == 100.0
    assert compare(frames("f" * 64, quality=10), frames(BASE[0]), rule) == (
        compare(frames(BASE[1]), [], rule)
    )
    assert not compare([], frames(BASE[0]), rule).is_match
