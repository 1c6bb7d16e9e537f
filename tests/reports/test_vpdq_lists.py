"""vPDQ on hash lists: import and export, the frame index, a video's matches and what the
platform sees of them (vpdq entries by the rule, frames against image lists)."""

from __future__ import annotations

import hashlib
import io
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports import synthetic, vpdq
from reports.hashlists import ParsedEntry, import_entries
from reports.matching import record_matches
from reports.models import HashEntry, HashList, Media, MediaVpdq, Platform, Report
from reports.selectors import media_status
from reports.vpdq import Frame
from reports.vpdq_entries import stored
from reports.vpdq_index import VpdqListIndex
from reports.vpdq_matching import Rule, compare
from tests.reports.test_matching import make_media, pdq_of

pytestmark = pytest.mark.django_db


def random_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def near(hex_hash: str, rng: random.Random, bits: int) -> str:
    value = int(hex_hash, 16)
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def serialized(frames: list[Frame]) -> str:
    return vpdq.to_threatexchange(frames)


def vpdq_entry(frames: list[Frame], category: str = "") -> ParsedEntry:
    digest, text = stored(serialized(frames))
    return ParsedEntry("vpdq", digest, category, "", text)


def run_import(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "list.txt"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_hashlist", str(path), *args, stdout=out)
    return out.getvalue()


def export(name: str, fmt: str) -> str:
    out = io.StringIO()
    call_command("export_hashlist", name, "--format", fmt, stdout=out)
    return out.getvalue()


FRAMES_A = [Frame(i, 90, f"{i + 1:02x}" * 32, float(i)) for i in range(3)]
FRAMES_B = [Frame(i, 70, f"{0xA0 + i:02x}" * 32, i * 0.5) for i in range(2)]


def test_threatexchange_vpdq_lines_import_and_export_back(tmp_path):
    # As python-threatexchange writes them: spaces after the commas of the JSON list.
    spaced = json.dumps([f"{f.pdq},{f.quality},{f.timestamp}" for f in FRAMES_A])
    text = f"vpdq {spaced}\nvpdq {serialized(FRAMES_B)}\npdq {'f' * 64}\n"
    assert "3 entries added" in run_import(
        tmp_path, text, "--list", "videos", "--format", "threatexchange"
    )
    entry = HashEntry.objects.get(kind="vpdq", frames=serialized(FRAMES_A))
    assert entry.value == hashlib.sha256(entry.frames.encode()).hexdigest()
    exported = export("videos", "threatexchange")
    assert sorted(exported.splitlines()) == sorted(
        [f"vpdq {serialized(FRAMES_A)}", f"vpdq {serialized(FRAMES_B)}", f"pdq {'f' * 64}"]
    )
    assert "0 entries added" in run_import(
        tmp_path, exported, "--list", "videos", "--format", "threatexchange"
    )
    bare = f"{serialized(FRAMES_A)}\n"
    run_import(tmp_path, bare, "--list", "bare", "--format", "threatexchange", "--kind", "vpdq")
    assert HashEntry.objects.get(hash_list__name="bare").frames == serialized(FRAMES_A)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_jsonl_carry_the_list_in_the_hash_field(tmp_path, fmt):
    import_entries(
        HashList.objects.create(name="src"), [vpdq_entry(FRAMES_A, "A1"), vpdq_entry(FRAMES_B)]
    )
    dumped = export("src", fmt)
    if fmt == "jsonl":
        records = [json.loads(line) for line in dumped.splitlines()]
        assert {r["kind"] for r in records} == {"vpdq"}
        assert sorted(json.loads(r["hash"])[0][:4] for r in records) == ["0101", "a0a0"]
    else:
        assert dumped.startswith("hash,kind,category,source_id\n")
    run_import(tmp_path, dumped, "--list", f"copy-{fmt}", "--format", fmt)
    copied = HashEntry.objects.filter(hash_list__name=f"copy-{fmt}")
    assert sorted(copied.values_list("kind", "frames", "category")) == sorted(
        [("vpdq", serialized(FRAMES_A), "A1"), ("vpdq", serialized(FRAMES_B), "")]
    )


@pytest.mark.parametrize(
    ("text", "fmt", "line"),
    [
        (f'pdq {"f" * 64}\nvpdq ["{"a" * 63},90,0"]\n', "threatexchange", 2),
        ("vpdq\n", "threatexchange", 1),
        ('hash,kind\n"[""x""]",vpdq\n', "csv", 2),
        ('{"hash": "[]", "kind": "vpdq"}\n', "jsonl", 1),
        (f'{{"hash": "{"a" * 64}", "kind": "vpdq"}}\n', "jsonl", 1),
    ],
)
def test_a_bad_vpdq_value_names_the_line_and_imports_nothing(tmp_path, text, fmt, line):
    with pytest.raises(CommandError, match=f"line {line}, field hash: (a vpdq value|is missing)"):
        run_import(tmp_path, text, "--list", "bad", "--format", fmt)
    assert not HashList.objects.filter(name="bad").exists()


# --- The frame index -------------------------------------------------------------------


def test_the_index_gives_the_rules_shares_for_every_entry():
    rng = random.Random(5)
    query = [Frame(i, 60 + i % 40, random_hash(rng), float(i)) for i in range(30)]
    videos = []
    for n in range(12):  # sharing some frames, near copies and strangers, some poor
        frames = [
            Frame(i, rng.choice([30, 50, 90]), near(q.pdq, rng, rng.choice([0, 20, 31, 32, 60])), i)
            for i, q in enumerate(rng.sample(query, rng.randint(1, 30)))
        ] + [Frame(99, 80, random_hash(rng), 99.0) for _ in range(n % 3)]
        videos.append(frames)
    hash_list = HashList.objects.create(name="videos")
    import_entries(hash_list, [vpdq_entry(frames) for frames in videos])
    rule = Rule(query_match_percent=10)
    found = VpdqListIndex().query(query, rule)
    assert {compare(query, frames, rule).is_match for frames in videos} == {True, False}
    by_frames = {e.frames: e.pk for e in hash_list.entries.all()}
    for frames in videos:
        expected = compare(query, frames, rule)
        got = found.get(by_frames[serialized(frames)])
        if expected.query_match_percent == 0:
            assert got is None
        else:
            assert got == expected, frames


def test_the_index_follows_new_entries_and_switched_lists():
    index = VpdqListIndex()
    rule = Rule()
    assert index.query(FRAMES_A, rule) == {}
    hash_list = HashList.objects.create(name="videos")
    import_entries(hash_list, [vpdq_entry(FRAMES_A)])
    entry = hash_list.entries.get()
    assert index.query(FRAMES_A, rule)[entry.pk].is_match
    HashList.objects.filter(pk=hash_list.pk).update(enabled=False)
    assert index.query(FRAMES_A, rule) == {}


# --- A video's matches -------------------------------------------------------------------


def make_video(seed: int, frames: list[Frame]) -> Media:
    data = synthetic.video_bytes(seed)
    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id=f"v{seed}",
        reported_at="2026-11-01T00:00Z",
        reason="csam",
        raw_payload={},
        status="processed",
    )
    media = Media.objects.create(
        report=report,
        position=0,
        filename="a.mp4",
        kind="video",
        content_type="video/mp4",
        size=len(data),
        width=320,
        height=240,
        vault_name=f"video{seed}",
        key_id="k",
        sha256=hashlib.sha256(data).hexdigest(),
        status="processed",
        vpdq_frames=len(frames),
    )
    MediaVpdq.objects.create(media=media, records=vpdq.to_records(frames))
    return media


def test_a_video_matches_a_listed_video_and_a_listed_image_frame(settings):
    hashed = vpdq.hash_video(synthetic.video_bytes(31, seconds=4), frames_per_second=1)
    assert len(hashed) == 4 and all(f.quality >= 50 for f in hashed)
    media = make_video(31, hashed)
    shorter = hashed[:3]  # the listed clip is the first 3 s: 75 % of the query, all of it
    import_entries(HashList.objects.create(name="clips"), [vpdq_entry(shorter, "A2")])
    image_pdq = near(hashed[1].pdq, random.Random(1), 5)  # a still of the second second
    import_entries(HashList.objects.create(name="images"), [ParsedEntry("pdq", image_pdq, "B1")])
    other = make_media(synthetic.picture(32), n=2)  # an image is not matched by vpdq entries

    settings.VPDQ_QUERY_MATCH_PERCENT = 80
    record_matches(media)
    shown = media_status(Media.objects.get(pk=media.pk))
    assert shown["vpdq_frames"] == 4
    frame_match = [m for m in shown["matches"] if m["list"] == "images"]
    assert [m["list"] for m in shown["matches"]] == ["images"]  # 75 % < 80 %
    assert frame_match[0]["kind"] == "pdq" and frame_match[0]["category"] == "B1"
    assert (frame_match[0]["distance"], frame_match[0]["timestamp"]) == (5, 1.0)

    settings.VPDQ_QUERY_MATCH_PERCENT = 75
    record_matches(media)
    shown = media_status(Media.objects.get(pk=media.pk))
    clip = [m for m in shown["matches"] if m["list"] == "clips"]
    assert clip == [
        {
            "list": "clips",
            "kind": "vpdq",
            "category": "A2",
            "query_match_percent": 75.0,
            "compared_match_percent": 100.0,
            "segment_start": 0.0,  # the listed first three of its four frames
            "segment_end": 2.0,
        }
    ]
    assert record_matches(other) == []
    assert "vpdq_frames" not in media_status(other)


def test_frames_below_the_quality_do_not_match_image_lists():
    image_pdq, _, _ = pdq_of(synthetic.picture(33, (320, 240)))
    import_entries(HashList.objects.create(name="images"), [ParsedEntry("pdq", image_pdq)])
    media = make_video(33, [Frame(0, 49, image_pdq, 0.0)])
    assert record_matches(media) == []
    MediaVpdq.objects.filter(media=media).update(records=f"0,50,{image_pdq},0.000\n")
    assert [(m.distance, m.timestamp) for m in record_matches(media)] == [(0, 0.0)]


def test_an_approved_video_adds_its_vpdq_to_the_confirmed_list():
    from reports.hashlists import CONFIRMED_LIST, add_confirmed

    media = make_video(34, FRAMES_A)
    assert add_confirmed([media.pk], {media.pk: "A1"}) == 2  # its SHA-256 and its vPDQ
    entry = HashEntry.objects.get(hash_list__name=CONFIRMED_LIST, kind="vpdq")
    assert (entry.frames, entry.category, entry.source_id) == (
        serialized(FRAMES_A),
        "A1",
        f"media:{media.pk}",
    )
    assert add_confirmed([media.pk], {media.pk: "A1"}) == 0
