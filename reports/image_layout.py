"""Walking an image file's structure over all of its bytes, without decoding a pixel: how many
bytes are something other than pixel data (metadata, private chunks, anything after the end)
and how many frames it declares.

Decoders read only what they need and skip the rest, so metadata placed after the pixels, in
segments a decoder ignores, or in a private chunk is invisible to them; this walk sees it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    non_pixel_bytes: int  # every byte that is not compressed pixel data
    frames: int


class LayoutError(ValueError):
    """The file's structure is cut short or broken."""


def layout(data: bytes, content_type: str) -> Layout:
    """The layout of a JPEG, PNG, GIF or WebP file; LayoutError if it is truncated or corrupt."""
    walk = {
        "image/jpeg": _jpeg,
        "image/png": _png,
        "image/gif": _gif,
        "image/webp": _webp,
    }[content_type]
    try:
        pixel_bytes, frames = walk(data)
    except (struct.error, IndexError) as exc:
        raise LayoutError(f"truncated ({exc})") from exc
    return Layout(len(data) - pixel_bytes, frames)


PNG_PIXEL_CHUNKS = {b"IDAT", b"fdAT"}


def png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, body end) of each chunk after a PNG's signature, through IEND;
    LayoutError if the file ends first or a chunk runs past its end."""
    pos = 8
    while True:
        if pos + 8 > len(data):
            raise LayoutError("truncated: the file ends before its IEND chunk")
        (length,), kind = struct.unpack_from(">I", data, pos), data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise LayoutError(f"truncated: the {kind!r} chunk runs past the end of the file")
        yield kind, pos + 8, end - 4
        if kind == b"IEND":
            return
        pos = end


def _png(data: bytes) -> tuple[int, int]:
    pixels, frames = 0, 1
    for kind, start, end in png_chunks(data):
        if kind in PNG_PIXEL_CHUNKS:
            pixels += end - start + 12  # length, type and CRC besides the body
        elif kind == b"acTL" and end - start >= 8:
            (frames,) = struct.unpack_from(">I", data, start)
    return pixels, max(1, frames)


# The next marker after entropy-coded data: 0xFF not followed by a stuffed zero or a restart.
_JPEG_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _jpeg(data: bytes) -> tuple[int, int]:
    pos, pixels = 2, 0
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise LayoutError("truncated or corrupt: a JPEG segment does not start with a marker")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: whatever follows is not pixel data either
            return pixels, 1
        if marker in _JPEG_STANDALONE:
            continue
        (length,) = struct.unpack_from(">H", data, pos)
        pos += length
        if pos > len(data):
            raise LayoutError(f"truncated: the segment 0xFF{marker:02X} runs past the end")
        if marker == 0xDA:  # SOS: entropy-coded data up to the next real marker
            found = _JPEG_MARKER.search(data, pos)
            if found is None:
                raise LayoutError("truncated: the file ends inside the image data")
            pixels += found.start() - pos
            pos = found.end() - 2


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of data sub-blocks."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
        if pos > len(data):
            raise LayoutError("truncated: the file ends inside a frame")


def _gif(data: bytes) -> tuple[int, int]:
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    pixels, frames = 0, 0
    while True:
        if pos >= len(data):
            raise LayoutError("truncated: the file ends before the GIF trailer")
        block = data[pos]
        if block == 0x3B:  # trailer
            return pixels, max(1, frames)
        if block == 0x21:  # extension: label, then sub-blocks; metadata
            pos = _gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor, local colour table, LZW data
            start = pos
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            pos = _gif_sub_blocks(data, pos + 1)
            pixels += pos - start
            frames += 1
        else:
            raise LayoutError(f"corrupt: unknown GIF block 0x{block:02X}")


WEBP_PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH"}


def _webp_chunks(data: bytes, pos: int, end: int) -> tuple[int, int]:
    pixels, frames = 0, 0
    while pos + 8 <= end:
        kind, (length,) = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)
        chunk_end = pos + 8 + length + (length & 1)
        if pos + 8 + length > end:
            raise LayoutError(f"truncated: the {kind!r} chunk runs past the end of the file")
        if kind in WEBP_PIXEL_CHUNKS:
            pixels += min(chunk_end, end) - pos
            frames = max(frames, 1)
        elif kind == b"ANMF":  # a frame: a 16-byte header, then its own chunks
            inner, _ = _webp_chunks(data, pos + 24, pos + 8 + length)
            pixels += 24 + inner
            frames += 1
        pos = chunk_end
    return pixels, frames


def _webp(data: bytes) -> tuple[int, int]:
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data):
        raise LayoutError("truncated: the file is shorter than its RIFF header says")
    pixels, frames = _webp_chunks(data, 12, end)
    return pixels, max(1, frames)
