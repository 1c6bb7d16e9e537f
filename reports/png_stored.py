"""A PNG's pixels inflated by ISA-L, handed back to Pillow as the same PNG stored uncompressed.

Pillow decodes a PNG by inflating its IDAT stream with zlib and unfiltering each row in C.
On a photograph-like 1-megapixel PNG the inflate is some 10 of the 14 ms; ISA-L's inflate
(python-isal) takes half that. Pillow cannot be given another inflater, so `stored()`
inflates the stream itself and rebuilds the file with one IDAT whose deflate blocks are
stored (copied, not coded): Pillow then only copies and unfilters. Every other chunk is
kept as it was, in its place, so the pixels, mode, palette and transparency are Pillow's
own, bit for bit.

It declines (None, and the caller opens the original) anything it is not sure of: not a
PNG, a broken chunk, an interlaced or animated image, one over `MAX_PIXELS`, or a stream
that does not inflate to exactly the rows the header declares. So a damaged file still
meets Pillow's own checks and errors. Files reach processing only after intake has decoded
them with Pillow (reports.media), so declining is the rare path.
"""

from __future__ import annotations

import struct

from isal import isal_zlib

from reports.image_layout import LayoutError, png_chunks

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Above this, the inflated rows and their stored copy (two full-size buffers) are not worth
# holding at once; Pillow streams them instead.
MAX_PIXELS = 4_000_000
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by IHDR colour type
_STORED_BLOCK = 0xFFFF  # the most bytes a stored deflate block holds
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KB window, no dictionary (31 divides 0x7801)


def stored(data: bytes) -> bytes | None:
    """The same PNG with its pixel stream stored uncompressed, or None (see the module)."""
    chunks = _chunks(data)
    if chunks is None or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if colour not in _CHANNELS or interlace or not 0 < width * height <= MAX_PIXELS:
        return None
    if any(kind in (b"acTL", b"fdAT") for kind, _ in chunks):
        return None
    row_bytes = 1 + (width * _CHANNELS[colour] * depth + 7) // 8  # a filter byte, then pixels
    expected = height * row_bytes
    stream = b"".join(body for kind, body in chunks if kind == b"IDAT")
    try:
        rows = isal_zlib.decompressobj().decompress(stream, expected)
    except isal_zlib.error:
        return None
    if len(rows) != expected:
        return None
    out, idat_written = [SIGNATURE], False
    for kind, body in chunks:
        if kind != b"IDAT":
            out.append(_chunk(kind, body))
        elif not idat_written:
            out.append(_chunk(b"IDAT", _stored_stream(rows)))
            idat_written = True
    return b"".join(out)


def _chunks(data: bytes) -> list[tuple[bytes, memoryview]] | None:
    """(type, body) of every chunk through IEND, or None if the file is not well formed."""
    if not data.startswith(SIGNATURE):
        return None
    view = memoryview(data)
    try:
        return [(kind, view[start:end]) for kind, start, end in png_chunks(data)]
    except LayoutError:
        return None


def _chunk(kind: bytes, body: bytes | memoryview) -> bytes:
    crc = isal_zlib.crc32(body, isal_zlib.crc32(kind))
    return b"".join((struct.pack(">I", len(body)), kind, body, struct.pack(">I", crc)))


def _stored_stream(rows: bytes) -> bytes:
    """A zlib stream of `rows` in stored deflate blocks (RFC 1950 and 1951, section 3.2.4)."""
    view, parts = memoryview(rows), [_ZLIB_HEADER]
    for start in range(0, len(rows), _STORED_BLOCK):
        block = view[start : start + _STORED_BLOCK]
        final = start + _STORED_BLOCK >= len(rows)
        parts.append(struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF))
        parts.append(block)
    parts.append(struct.pack(">I", isal_zlib.adler32(rows)))
    return b"".join(parts)
