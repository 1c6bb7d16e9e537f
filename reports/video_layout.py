"""Walking a video container's structure over all of its bytes: how many bytes are something
other than the media data and its index (metadata boxes, tags, attachments, free space,
anything after the end). A demuxer skips what it does not need; this walk does not.

- MP4 and QuickTime (ISO base media): top-level boxes; `mdat` is media data, `moov` the
  index, whose own `udta` and `meta` boxes are metadata and count.
- Matroska and WebM (EBML): the Segment's children; Clusters are media data, Cues, SeekHead,
  Info and Tracks the index; Tags, Attachments, Chapters and Void count.
"""

from __future__ import annotations

import struct

from reports.image_layout import LayoutError

ISO_MEDIA = {b"mdat"}
ISO_INDEX_METADATA = {b"udta", b"meta"}  # inside moov
EBML_HEADER, EBML_SEGMENT = 0x1A45DFA3, 0x18538067
EBML_MEDIA_OR_INDEX = {
    0x1F43B675,  # Cluster
    0x1C53BB6B,  # Cues
    0x114D9B74,  # SeekHead
    0x1549A966,  # Info
    0x1654AE6B,  # Tracks
}


def non_media_bytes(data: bytes, content_type: str) -> int:
    """Bytes of the file that are neither media data nor its index; LayoutError if the
    structure is cut short or broken."""
    try:
        if content_type in {"video/mp4", "video/quicktime"}:
            return _iso(data)
        if content_type in {"video/webm", "video/x-matroska"}:
            return _ebml(data)
    except (struct.error, IndexError) as exc:
        raise LayoutError(f"truncated ({exc})") from exc
    raise LayoutError(f"no structure walk for {content_type}")


def _iso_boxes(data: bytes, pos: int, end: int):
    while pos < end:
        if end - pos < 8:
            yield b"", pos, end  # trailing bytes too short to be a box
            return
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise LayoutError(f"box {kind!r} at byte {pos} runs past the end")
        yield kind, pos + header, pos + size
        pos += size


def _iso(data: bytes) -> int:
    counted = 0
    for kind, start, end in _iso_boxes(data, 0, len(data)):
        if kind == b"moov":
            counted += sum(
                e - s for k, s, e in _iso_boxes(data, start, end) if k in ISO_INDEX_METADATA
            )
        elif kind not in ISO_MEDIA:
            counted += end - start
    return counted


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = next((n for n in range(8) if first & (0x80 >> n)), None)
    if length is None:
        raise LayoutError(f"bad element header at byte {pos}")
    value = first if keep_marker else first & (0xFF >> (length + 1))
    for byte in data[pos + 1 : pos + 1 + length]:
        value = (value << 8) | byte
    if pos + 1 + length > len(data):
        raise LayoutError(f"element header at byte {pos} runs past the end")
    return value, pos + 1 + length


def _ebml_elements(data: bytes, pos: int, end: int):
    while pos < end:
        element, at = _vint(data, pos, keep_marker=True)
        size, start = _vint(data, at, keep_marker=False)
        unknown = size == (1 << (7 * (start - at))) - 1  # all ones: "to the end"
        stop = end if unknown else start + size
        if stop > end:
            raise LayoutError(f"element {element:#x} at byte {pos} runs past the end")
        yield element, pos, start, stop
        pos = stop


def _ebml(data: bytes) -> int:
    counted = 0
    for element, pos, start, stop in _ebml_elements(data, 0, len(data)):
        if element == EBML_HEADER:
            continue
        if element != EBML_SEGMENT:
            counted += stop - pos
            continue
        for child, child_pos, _, child_stop in _ebml_elements(data, start, stop):
            if child not in EBML_MEDIA_OR_INDEX:
                counted += child_stop - child_pos
    return counted
