"""Matching media against hash lists: exact kinds, PDQ within the threshold (all 8
orientations), negative lists, and what the platform sees."""

from __future__ import annotations

import hashlib

import numpy as np
import pdqhash
import pytest
from PIL import Image

from reports import synthetic
from reports.hashlists import ParsedEntry, import_entries
from reports.matching import record_matches
from reports.models import HashList, Media, Platform, Report
from reports.selectors import media_status

pytestmark = pytest.mark.django_db


def flip_bits(hex_hash: str, n: int) -> str:
    value = int(hex_hash, 16)
    for bit in range(n):
        value ^= 1 << (bit * 6)
    return f"{value:064x}"


def pdq_of(image: Image.Image) -> tuple[str, list[str], int]:
    pixels = np.asarray(image.convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    variants, _ = pdqhash.compute_dihedral(pixels)
    to_hex = lambda b: np.packbits(np.asarray(b, dtype=np.uint8)).tobytes().hex()  # noqa: E731
    return to_hex(bits), [to_hex(v) for v in variants], int(quality)


def make_media(image: Image.Image, n: int = 1) -> Media:
    data = synthetic.image_bytes(n)
    pdq, dihedral, quality = pdq_of(image)
    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id=f"m{n}",
        reported_at="2026-11-01T00:00Z",
        reason="csam",
        raw_payload={},
        status="processed",
    )
    return Media.objects.create(
        report=report,
        position=0,
        filename="a.jpg",
        kind="image",
        content_type="image/jpeg",
        size=len(data),
        width=640,
        height=480,
        vault_name=f"v{n}",
        key_id="k",
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        pdq=pdq,
        pdq_quality=quality,
        pdq_dihedral=",".join(dihedral),
        status="processed",
    )


def make_list(name: str, entries: list[ParsedEntry], purpose: str = "match") -> HashList:
    hash_list = HashList.objects.create(name=name, purpose=purpose)
    import_entries(hash_list, entries)
    return hash_list


def test_exact_and_near_matches_are_stored_and_shown():
    media = make_media(synthetic.picture(5))
    make_list("md5s", [ParsedEntry("md5", media.md5, "A1", "n-1")])
    make_list("pdqs", [ParsedEntry("pdq", flip_bits(media.pdq, 9), "B2")])
    make_list("far", [ParsedEntry("pdq", flip_bits(media.pdq, 32))])
    record_matches(media)
    shown = media_status(Media.objects.get(pk=media.pk))["matches"]
    assert sorted(shown, key=lambda m: m["list"]) == [
        {"list": "md5s", "kind": "md5", "distance": 0, "category": "A1"},
        {"list": "pdqs", "kind": "pdq", "distance": 9, "category": "B2"},
    ]


def test_threshold_is_configurable(settings):
    media = make_media(synthetic.picture(6))
    make_list("pdqs", [ParsedEntry("pdq", flip_bits(media.pdq, 20))])
    settings.PDQ_MATCH_DISTANCE = 10
    assert record_matches(media) == []
    settings.PDQ_MATCH_DISTANCE = 31
    assert [m.distance for m in record_matches(media)] == [20]


def test_rotated_copy_matches_through_its_orientations():
    original = synthetic.picture(7)
    listed_pdq, _, _ = pdq_of(original)
    make_list("pdqs", [ParsedEntry("pdq", listed_pdq)])
    rotated = make_media(original.transpose(Image.Transpose.ROTATE_90), n=2)
    assert rotated.pdq != listed_pdq
    matches = record_matches(rotated)
    assert len(matches) == 1 and matches[0].distance <= 31


def test_negative_list_suppresses_matches():
    media = make_media(synthetic.picture(8))
    make_list("md5s", [ParsedEntry("md5", media.md5)])
    make_list("known-false", [ParsedEntry("sha256", media.sha256)], purpose="negative")
    assert record_matches(media) == []


def test_disabled_list_and_removed_entries_stop_matching():
    media = make_media(synthetic.picture(9))
    listed = make_list("pdqs", [ParsedEntry("pdq", media.pdq)])
    assert len(record_matches(media)) == 1
    HashList.objects.filter(pk=listed.pk).update(enabled=False)
    assert record_matches(media) == []
    HashList.objects.filter(pk=listed.pk).update(enabled=True)
    assert len(record_matches(media)) == 1
    listed.entries.all().delete()
    assert record_matches(media) == []


def test_new_entries_are_seen_without_restart():
    media = make_media(synthetic.picture(10))
    other = make_list("pdqs", [ParsedEntry("pdq", flip_bits(media.pdq, 40))])
    assert record_matches(media) == []
    import_entries(other, [ParsedEntry("pdq", flip_bits(media.pdq, 3))])
    assert [m.distance for m in record_matches(media)] == [3]


def test_matches_raise_priority_and_suggest_the_category():
    from casework import roles
    from casework.cases import filing
    from tests.helpers import make_user, signed_in

    plain = make_media(synthetic.picture(11), n=11)
    listed = make_media(synthetic.picture(12), n=12)
    make_list("ncmec", [ParsedEntry("md5", listed.md5, "A1")])
    record_matches(listed)
    plain_case = filing.file_report(plain.report_id)
    listed_case = filing.file_report(listed.report_id)
    assert listed_case.priority > plain_case.priority
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{listed_case.pk}/"
    page = client.get(f"/cases/{listed_case.pk}/").content.decode()
    assert "Hash-list match: ncmec (md5), category A1" in page
    assert '<option value="A1" selected>' in page


def test_approved_csam_grows_the_confirmed_list():
    from casework import roles
    from casework.cases import claims, decisions, filing
    from reports.hashlists import CONFIRMED_LIST
    from tests.helpers import make_user

    media = make_media(synthetic.picture(13), n=13)
    case = filing.file_report(media.report_id)
    reviewer, lead = make_user("rev", roles.REVIEWER), make_user("lead", roles.ESCALATION_LEAD)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    decisions.record_decision(
        case_id=case.pk,
        user=reviewer,
        verdict="csam_confirmed",
        media_labels={str(media.pk): {"industry": "B1"}},
    )
    decisions.approve_decision(case_id=case.pk, lead=lead)
    confirmed = HashList.objects.get(name=CONFIRMED_LIST)
    assert sorted(confirmed.entries.values_list("kind", "value", "category")) == sorted(
        [(k, getattr(media, k), "B1") for k in ("md5", "sha1", "sha256", "pdq")]
    )
    # the same content uploaded again now matches
    again = make_media(synthetic.picture(13), n=14)
    assert {m.entry.kind for m in record_matches(again)} >= {"pdq"}


def test_near_duplicates_join_one_case_rotated_or_recompressed():
    from casework.cases import filing

    original = synthetic.picture(15)
    first = make_media(original, n=15)
    rotated = make_media(original.transpose(Image.Transpose.FLIP_LEFT_RIGHT), n=16)
    other = make_media(synthetic.picture(17), n=17)
    a = filing.file_report(first.report_id)
    b = filing.file_report(rotated.report_id)
    c = filing.file_report(other.report_id)
    assert a.pk == b.pk != c.pk
