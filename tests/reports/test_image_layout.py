"""The structure walk over whole files: ordinary files of every kind show a few hundred bytes
besides their pixels and their true frame count; what hides past the pixels is counted."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from reports import synthetic
from reports.image_layout import LayoutError, layout
from reports.media import sniff


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


PICTURE = synthetic.picture(61, (600, 400))
FRAMES = [synthetic.picture(62 + i, (200, 150)) for i in range(5)]
ORDINARY = {
    "jpeg": lambda: encoded(PICTURE, "JPEG", quality=85),
    "progressive jpeg": lambda: encoded(PICTURE, "JPEG", progressive=True),
    "jpeg with restart markers": lambda: encoded(PICTURE, "JPEG", restart_marker_blocks=4),
    "cmyk jpeg": lambda: encoded(PICTURE.convert("CMYK"), "JPEG"),
    "png": lambda: encoded(PICTURE, "PNG"),
    "palette png": lambda: encoded(PICTURE.convert("P"), "PNG"),
    "webp lossy": lambda: encoded(PICTURE, "WEBP"),
    "webp lossless with alpha": lambda: encoded(PICTURE.convert("RGBA"), "WEBP", lossless=True),
    "gif": lambda: encoded(PICTURE.convert("P"), "GIF"),
}
ANIMATED = {
    "apng": lambda: encoded(FRAMES[0], "PNG", save_all=True, append_images=FRAMES[1:]),
    "webp": lambda: encoded(FRAMES[0], "WEBP", save_all=True, append_images=FRAMES[1:]),
    "gif": lambda: encoded(FRAMES[0], "GIF", save_all=True, append_images=FRAMES[1:]),
}


@pytest.mark.parametrize("kind", sorted(ORDINARY))
def test_ordinary_files_carry_little_besides_pixels(kind):
    data = ORDINARY[kind]()
    found = layout(data, sniff(data))
    assert found.frames == 1
    assert found.non_pixel_bytes < 2000


@pytest.mark.parametrize("kind", sorted(ANIMATED))
def test_animations_declare_their_frames(kind):
    data = ANIMATED[kind]()
    assert layout(data, sniff(data)).frames == 5


def test_a_webp_exif_chunk_counts():
    data = encoded(PICTURE, "WEBP", exif=b"Exif\x00\x00" + b"\x00" * 500_000)
    assert layout(data, "image/webp").non_pixel_bytes > 500_000


def test_bytes_after_a_jpeg_end_count():
    data = ORDINARY["jpeg"]() + b"\x00" * 300_000
    assert layout(data, "image/jpeg").non_pixel_bytes > 300_000


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp lossy", "gif"])
def test_a_cut_file_is_truncated(kind):
    data = ORDINARY[kind]()
    with pytest.raises(LayoutError, match="truncated"):
        layout(data[: len(data) // 2], sniff(data))


def test_a_webp_shorter_than_its_riff_header_says_is_truncated():
    data = ORDINARY["webp lossy"]()
    longer = data[:4] + struct.pack("<I", len(data) + 100) + data[8:]
    with pytest.raises(LayoutError, match="truncated"):
        layout(longer, "image/webp")
