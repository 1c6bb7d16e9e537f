"""The PNG whose pixel stream ISA-L inflated decodes in Pillow to exactly the original's
pixels, and anything unusual is declined so Pillow meets the original."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from reports import png_stored, synthetic
from reports.processing import decode_rgb


def png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def noisy(mode: str, size: tuple[int, int] = (301, 173)) -> Image.Image:
    rgb = np.asarray(synthetic.picture(7, size), dtype=np.int16)
    grain = np.random.default_rng(7).integers(-40, 40, rgb.shape)
    return Image.fromarray(np.clip(rgb + grain, 0, 255).astype(np.uint8)).convert(mode)


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    position, found = 8, []
    while position < len(data):
        (length,) = struct.unpack_from(">I", data, position)
        body = data[position + 8 : position + 8 + length]
        found.append((data[position + 4 : position + 8], body))
        position += 12 + length
    return found


def rebuilt(parts: list[tuple[bytes, bytes]]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    return png_stored.SIGNATURE + b"".join(chunk(kind, body) for kind, body in parts)


def with_stream(data: bytes, stream: bytes) -> bytes:
    parts = [(kind, body) for kind, body in chunks(data) if kind != b"IDAT"]
    return rebuilt([parts[0], (b"IDAT", stream), *parts[1:]])


IMAGES = {
    "rgb": lambda: png(noisy("RGB")),
    "rgba": lambda: png(noisy("RGBA")),
    "grey": lambda: png(noisy("L")),
    "grey-alpha": lambda: png(noisy("LA")),
    "1-bit": lambda: png(noisy("1")),
    "16-bit grey": lambda: png(noisy("I").point(lambda v: v * 257).convert("I;16")),
    "palette with transparency": lambda: png(noisy("P"), transparency=3),
    "4-bit palette": lambda: png(noisy("RGB").quantize(16), bits=4),
    "several IDATs and text": lambda: png(noisy("RGB"), compress_level=1, pnginfo=_text()),
}


def _text():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "synthetic")
    return info


@pytest.mark.parametrize("name", IMAGES)
def test_decodes_to_the_originals_pixels_mode_and_palette(name):
    data = IMAGES[name]()
    again = png_stored.stored(data)
    assert again is not None and again != data
    with Image.open(io.BytesIO(data)) as original, Image.open(io.BytesIO(again)) as stored:
        assert stored.mode == original.mode and stored.size == original.size
        assert stored.info.get("transparency") == original.info.get("transparency")
        assert stored.getpalette() == original.getpalette()
        assert stored.tobytes() == original.tobytes()
    assert decode_rgb(data).tobytes() == Image.open(io.BytesIO(data)).convert("RGB").tobytes()


def test_the_stored_stream_is_uncoded_and_checked():
    data = png(noisy("RGB"))
    stream = b"".join(body for kind, body in chunks(png_stored.stored(data)) if kind == b"IDAT")
    rows = zlib.decompress(stream)  # zlib checks the Adler-32 and every block's length
    assert len(rows) == 173 * (1 + 301 * 3)
    assert len(stream) > len(rows)  # stored: a few header bytes per block, nothing coded


def test_an_image_with_its_pixel_stream_cut_short_is_left_to_pillow():
    data = png(noisy("RGB"))
    stream = b"".join(body for kind, body in chunks(data) if kind == b"IDAT")
    cut = with_stream(data, stream[: len(stream) // 2])
    assert png_stored.stored(cut) is None
    with pytest.raises(OSError, match="truncated"):
        decode_rgb(cut)  # Pillow's own error, as before


def test_a_stream_that_inflates_past_the_declared_rows_is_read_only_that_far():
    image = Image.new("L", (10, 10), 200)
    bomb = zlib.compress(bytes(10 * 11) + bytes(200_000_000), 9)  # 200 MB of zeros behind
    again = png_stored.stored(with_stream(png(image), bomb))
    assert again is not None and len(again) < 1_000
    with Image.open(io.BytesIO(again)) as stored:
        assert stored.tobytes() == bytes(100)  # filter 0, then zero pixels, as the rows said


@pytest.mark.parametrize(
    "damage",
    ["not a png", "interlaced", "chunk past the end", "no IEND", "corrupt stream", "animated"],
)
def test_anything_unusual_is_declined(damage):
    data = png(noisy("RGB"))
    parts = chunks(data)
    if damage == "not a png":
        data = b"GIF89a" + data[6:]
    elif damage == "interlaced":
        data = rebuilt([(b"IHDR", parts[0][1][:12] + b"\x01"), *parts[1:]])
    elif damage == "chunk past the end":
        data = data[:-20]
    elif damage == "no IEND":
        data = rebuilt(parts[:-1])
    elif damage == "corrupt stream":
        stream = bytearray(b"".join(body for kind, body in parts if kind == b"IDAT"))
        stream[2:40] = bytes(range(38))
        data = with_stream(data, bytes(stream))
    else:
        out = io.BytesIO()
        second = noisy("RGB").rotate(180)
        noisy("RGB").save(out, format="PNG", save_all=True, append_images=[second])
        data = out.getvalue()
    assert png_stored.stored(data) is None


def test_an_image_over_the_limit_is_left_to_pillow(monkeypatch):
    monkeypatch.setattr(png_stored, "MAX_PIXELS", 300 * 173)
    assert png_stored.stored(png(noisy("L"))) is None
