"""Hostile and broken files are refused with a clear 4xx naming the file; nothing is stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image, PngImagePlugin

from reports import synthetic
from reports.models import Media, Report
from tests.conftest import media_item, report_document

pytestmark = pytest.mark.django_db


def vault_files() -> list[Path]:
    return [p for p in Path(settings.EVIDENCE_DIR).rglob("*") if p.is_file()]


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * 16
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * 16))
        + chunk(b"IEND", b"")
    )


def png_with_text(size: int) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "x" * size, zip=True)
    out = io.BytesIO()
    synthetic.picture(9, (64, 64)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def assert_refused(intake, data: bytes, filename: str, status: int, words: str) -> None:
    before = set(vault_files())
    ok = media_item(synthetic.image_bytes(1, size=(64, 64)), "fine.jpg")
    response = intake.post(report_document(media=[ok, media_item(data, filename)]))
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert errors[0]["field"] == "media[1]"
    assert words in errors[0]["message"]
    assert Report.objects.count() == 0
    assert Media.objects.count() == 0
    assert set(vault_files()) == before  # not even the good file was kept


def test_decompression_bomb(intake):
    assert_refused(intake, png_declaring(30000, 30000), "bomb.png", 422, "decompression bomb")


def test_truncated_jpeg(intake):
    data = synthetic.image_bytes(5, "JPEG")
    assert_refused(intake, data[: len(data) // 2], "cut.jpg", 422, "truncated or corrupt")


def test_truncated_png(intake):
    data = synthetic.image_bytes(5, "PNG")
    assert_refused(intake, data[: len(data) - 200], "cut.png", 422, "truncated or corrupt")


def test_text_named_jpg(intake):
    assert_refused(intake, b"hello, this is not a picture", "photo.jpg", 415, "named .jpg")


def test_unsupported_type(intake):
    assert_refused(intake, b"%PDF-1.7\n...", "doc.pdf", 415, "unsupported file type")


def test_jpeg_header_with_garbage(intake):
    assert_refused(intake, b"\xff\xd8\xff" + b"\x00" * 500, "x.jpg", 422, "truncated or corrupt")


def test_huge_metadata(intake):
    assert_refused(intake, png_with_text(2 * 1024 * 1024), "meta.png", 422, "metadata")


def test_over_size_limit(intake, settings):
    settings.INTAKE_MAX_MEDIA_BYTES = 3_000
    data = synthetic.image_bytes(6, "PNG")
    assert len(data) > 3_000
    assert_refused(intake, data, "big.png", 413, "over the limit of 3000")


def test_empty_file(intake):
    assert_refused(intake, b"", "empty.jpg", 422, "empty")


def test_corrupt_video(intake):
    video = synthetic.video_bytes(1)
    assert_refused(intake, video[:200], "clip.mp4", 422, "video")


def test_bad_base64_is_named(intake):
    document = report_document(media=[{"filename": "a.jpg", "content_base64": "@@@"}])
    response = intake.post(document)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "media[0].content_base64", "message": "is not valid base64"}
    ]


def test_every_bad_file_is_named_with_the_worst_status(intake):
    document = report_document(
        media=[
            media_item(b"nope", "a.jpg"),
            media_item(synthetic.image_bytes(2)[:300], "b.jpg"),
        ]
    )
    response = intake.post(document)
    assert response.status_code == 415
    assert [e["field"] for e in response.json()["errors"]] == ["media[0]", "media[1]"]


def test_good_image_and_video_are_taken(intake):
    document = report_document(
        media=[
            media_item(synthetic.image_bytes(3, "GIF"), "a.gif"),
            media_item(synthetic.video_bytes(3), "clip.mp4"),
        ]
    )
    response = intake.post(document)
    assert response.status_code == 201, response.content
    kinds = list(Media.objects.order_by("position").values_list("kind", "content_type"))
    assert kinds == [("image", "image/gif"), ("video", "video/mp4")]


def test_sniffing_ignores_the_name():
    from reports.media import inspect

    info = inspect(synthetic.image_bytes(4, "PNG"), "looks-like.jpg")
    assert info.content_type == "image/png"
    assert Image.open(io.BytesIO(synthetic.image_bytes(4, "PNG"))).format == "PNG"
