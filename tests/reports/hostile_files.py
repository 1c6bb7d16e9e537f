"""Hostile synthetic files that cost Casework more than their size suggests: huge canvases
that compress to nothing, metadata hidden past the pixels, truncated animations.

Every picture here is drawn with Pillow or numpy; nothing is downloaded."""

from __future__ import annotations

import io
import struct
import zlib

from reports import synthetic


def big_png(size: int = 7000, mode: str = "L") -> bytes:
    """A 7000x7000 PNG (49 megapixels, under the 50 MP limit) of some 80 kB."""
    return synthetic.big_png(size, mode)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def small_png() -> bytes:
    return synthetic.image_bytes(31, "PNG", (64, 64))


def png_with_chunk(kind: bytes, data: bytes, *, after_pixels: bool) -> bytes:
    """A small PNG with one more chunk, before the first IDAT or just before IEND."""
    png = small_png()
    split = png.index(b"IDAT") - 4 if not after_pixels else len(png) - 12
    return png[:split] + png_chunk(kind, data) + png[split:]


def xmp_packet(size: int) -> bytes:
    body = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><!--" + b"x" * size + b"--></x:xmpmeta>"
    return b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + body


def png_with_exif_after_pixels(size: int = 3 * 1024 * 1024) -> bytes:
    """A 3 MB eXIf chunk after IDAT, where Pillow has not looked yet when it checks."""
    exif = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00" * size
    return png_with_chunk(b"eXIf", exif, after_pixels=True)


def png_with_xmp_after_pixels(size: int = 3 * 1024 * 1024) -> bytes:
    """A 3 MB iTXt XMP packet after IDAT."""
    return png_with_chunk(b"iTXt", xmp_packet(size), after_pixels=True)


def png_with_private_chunk(size: int = 20 * 1024 * 1024) -> bytes:
    """A 20 MB private ancillary chunk (csWk) that decoders skip."""
    return png_with_chunk(b"csWk", b"\x00" * size, after_pixels=False)


def jpeg_with_segments(marker: int, total: int) -> bytes:
    """A small JPEG with `total` bytes of APPn segments (each at most 64 kB) after its SOI."""
    jpeg = synthetic.image_bytes(32, "JPEG", (64, 64))
    payload = (
        b"\x00" * 65533
        if marker != 0xE1
        else b"http://ns.adobe.com/xap/1.0/\x00" + (b"x" * (65533 - 29))
    )
    segment = b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload
    count = -(-total // len(segment))
    return jpeg[:2] + segment * count + jpeg[2:]


def jpeg_with_xmp(total: int = 13 * 1024 * 1024) -> bytes:
    return jpeg_with_segments(0xE1, total)


def jpeg_with_app4(total: int = 19 * 1024 * 1024) -> bytes:
    return jpeg_with_segments(0xE4, total)


def animated_gif(frames: int = 50, size: tuple[int, int] = (160, 120)) -> bytes:
    pictures = [synthetic.picture(100 + i, size).convert("P") for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=80)
    return out.getvalue()


def truncated_gif(frames: int = 50, keep: float = 0.6) -> bytes:
    data = animated_gif(frames)
    return data[: int(len(data) * keep)]


def gif_cut_inside_a_frame(frames: int = 50, keep: float = 0.6) -> bytes:
    """truncated_gif with its block structure closed again (an empty sub-block and the
    trailer where the cut fell): only decoding the cut frame shows that it is incomplete."""
    data = truncated_gif(frames, keep)
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        if data[pos] == 0x21:
            pos += 2
            while data[pos]:
                pos += 1 + data[pos]
            pos += 1
            continue
        flags = data[pos + 9]
        pos += 11 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        while data[pos]:
            if pos + 1 + data[pos] > len(data):
                return data[:pos] + b"\x00\x3b"
            pos += 1 + data[pos]
        pos += 1
