"""End to end with the real Celery worker process: a posted image gets its hashes and a
blurred preview; a file that cannot be processed fails visibly after its retries."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pdqhash
import pytest
from PIL import Image

from reports import synthetic, vault
from reports.intake import enqueue_processing
from reports.models import Media, Report
from tests.conftest import media_item, report_document, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def reference_pdq(data: bytes) -> str:
    bits, _ = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return f"{int(''.join(str(int(b)) for b in bits), 2):064x}"


def test_posted_image_gets_hashes_and_blurred_preview(celery_worker, intake):
    jpeg = synthetic.image_bytes(21, "JPEG", (800, 600))
    png = synthetic.image_bytes(22, "PNG")
    video = synthetic.video_bytes(23)
    document = report_document(
        media=[media_item(jpeg, "a.jpg"), media_item(png, "b.png"), media_item(video, "c.mp4")]
    )
    report_id = intake.post(document).json()["id"]

    wait_for(lambda: intake.get(report_id).json()["status"] == "processed", message="processing")
    body = intake.get(report_id).json()
    first, second, clip = body["media"]
    assert first["sha256"] == hashlib.sha256(jpeg).hexdigest()
    assert first["md5"] == hashlib.md5(jpeg).hexdigest()
    assert first["pdq"] == reference_pdq(jpeg)
    assert second["pdq"] == reference_pdq(png)
    assert 0 <= first["pdq_quality"] <= 100
    assert (first["width"], first["height"], first["content_type"]) == (800, 600, "image/jpeg")
    assert all(m["preview_ready"] for m in body["media"])
    assert clip["pdq"] is None and clip["sha256"] == hashlib.sha256(video).hexdigest()

    preview = Image.open(
        io.BytesIO(vault.load(Media.objects.get(pk=first["id"]).preview_vault_name))
    )
    assert preview.mode == "L"
    assert max(preview.size) <= 256


def test_unprocessable_media_fails_visibly_after_retries(celery_worker, intake):
    report_id = intake.post(
        report_document(media=[media_item(synthetic.image_bytes(24), "a.jpg")])
    ).json()["id"]
    wait_for(lambda: intake.get(report_id).json()["status"] == "processed", message="first pass")

    # Replace the evidence behind a fresh media row with bytes no decoder accepts.
    original = Media.objects.get(report_id=report_id)
    name, key_id = vault.store(b"\xff\xd8\xff" + b"\x00" * 100)
    broken = Media.objects.create(
        report_id=report_id,
        position=1,
        filename="broken.jpg",
        kind="image",
        content_type="image/jpeg",
        size=103,
        width=1,
        height=1,
        vault_name=name,
        key_id=key_id,
    )
    Report.objects.filter(pk=report_id).update(status="received")
    enqueue_processing([broken.pk])

    wait_for(lambda: intake.get(report_id).json()["status"] == "failed", message="failure")
    body = intake.get(report_id).json()
    failed = next(m for m in body["media"] if m["id"] == broken.pk)
    assert failed["status"] == "failed"
    assert failed["preview_ready"] is False
    assert "truncated" in failed["error"] or "Error" in failed["error"]
    assert Media.objects.get(pk=broken.pk).attempts == 5
    assert next(m for m in body["media"] if m["id"] == original.pk)["status"] == "processed"


def test_processed_reports_are_filed_into_one_case_per_content(celery_worker, intake):
    image = synthetic.image_bytes(25)
    first = intake.post(report_document("c-1", media=[media_item(image)])).json()["id"]
    second = intake.post(report_document("c-2", media=[media_item(image)])).json()["id"]
    other = intake.post(report_document("c-3", media=[media_item(synthetic.image_bytes(26))]))

    def filed(report_id: int) -> bool:
        return intake.get(report_id).json()["case_id"] is not None

    for report_id in (first, second, other.json()["id"]):
        wait_for(lambda report_id=report_id: filed(report_id), message="filing")
    a, b, c = (intake.get(i).json() for i in (first, second, other.json()["id"]))
    assert a["case_id"] == b["case_id"] != c["case_id"]
    assert a["case_status"] == "new"
    assert a["verdict"] is None


def test_rotated_upload_matches_a_listed_pdq(celery_worker, intake):
    from reports.hashlists import ParsedEntry, import_entries
    from reports.models import HashList

    original = synthetic.picture(27)
    listed = reference_pdq(synthetic.image_bytes(27, "PNG"))
    import_entries(HashList.objects.create(name="pdq-bank"), [ParsedEntry("pdq", listed, "A1")])
    out = io.BytesIO()
    original.transpose(Image.Transpose.ROTATE_270).save(out, format="PNG")
    report_id = intake.post(
        report_document("rot-1", media=[media_item(out.getvalue(), "r.png")])
    ).json()["id"]
    wait_for(lambda: intake.get(report_id).json()["status"] == "processed", message="processing")
    media = intake.get(report_id).json()["media"][0]
    assert media["pdq"] != listed
    assert [(m["list"], m["kind"], m["category"]) for m in media["matches"]] == [
        ("pdq-bank", "pdq", "A1")
    ]
    stored = Media.objects.get(pk=media["id"])
    assert stored.sha1 == hashlib.sha1(out.getvalue()).hexdigest()
    assert len(stored.pdq_dihedral.split(",")) == 8


def test_posted_video_gets_its_vpdq_and_matches_listed_clips_and_images(celery_worker, intake):
    from reports import vpdq
    from reports.hashlists import ParsedEntry, import_entries
    from reports.models import HashList, MediaVpdq
    from reports.vpdq_entries import stored

    video = synthetic.video_bytes(28, seconds=3)
    listed = vpdq.hash_video(video)  # the worker's default: one frame a second
    digest, frames = stored(vpdq.to_threatexchange(listed))
    import_entries(
        HashList.objects.create(name="clips"), [ParsedEntry("vpdq", digest, "A1", "", frames)]
    )
    image_pdq = reference_pdq(synthetic.image_bytes(28, "PNG", (320, 240)))
    import_entries(HashList.objects.create(name="stills"), [ParsedEntry("pdq", image_pdq, "B2")])
    still = synthetic.video_bytes(28, seconds=3, moving=False)  # the listed picture, filmed

    files = [media_item(video, "v.mp4"), media_item(still, "s.mp4")]
    report_id = intake.post(report_document("v-1", media=files)).json()["id"]
    wait_for(lambda: intake.get(report_id).json()["status"] == "processed", message="processing")
    clip, filmed = intake.get(report_id).json()["media"]
    assert clip["vpdq_frames"] == 3
    assert vpdq.from_records(MediaVpdq.objects.get(media_id=clip["id"]).records) == listed
    by_list = {m["list"]: m for m in clip["matches"]}
    assert by_list["clips"]["kind"] == "vpdq" and by_list["clips"]["category"] == "A1"
    assert by_list["clips"]["query_match_percent"] == 100.0
    assert by_list["clips"]["compared_match_percent"] == 100.0
    assert (by_list["clips"]["segment_start"], by_list["clips"]["segment_end"]) == (0.0, 2.0)
    # a keyframe a second: the grid's three tiles at 0, 1 and 2 s
    assert Media.objects.get(pk=clip["id"]).keyframe_times == [0.0, 1.0, 2.0]
    assert "stills" not in by_list  # the moving box takes each frame away from the still
    still_match = [m for m in filmed["matches"] if m["list"] == "stills"]
    assert [(m["kind"], m["category"], m["timestamp"]) for m in still_match] == [("pdq", "B2", 0.0)]
    assert still_match[0]["distance"] <= 31
