"""A video's metadata counts over the whole file: a box or element after the media data, or
inside the index, that a demuxer skips is still refused past the 1 MB limit."""

from __future__ import annotations

import io
import struct

import av
import pytest

from reports import synthetic
from reports.image_layout import LayoutError
from reports.video_layout import non_media_bytes
from tests.reports.test_hostile_media import assert_refused

pytestmark = pytest.mark.django_db

BIG = 3 * 1024 * 1024


def iso_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def webm() -> bytes:
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for _ in range(6):
            frame = av.VideoFrame.from_image(synthetic.picture(3, (160, 120)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def ebml_void(size: int) -> bytes:
    """An EBML Void element (id 0xEC) with an 8-byte size."""
    return b"\xec" + bytes([0x01]) + size.to_bytes(7, "big") + b"\0" * size


def test_a_plain_video_carries_almost_nothing_besides_its_media():
    assert non_media_bytes(synthetic.video_bytes(1), "video/mp4") < 1024
    assert non_media_bytes(webm(), "video/webm") < 1024


def test_a_box_the_demuxer_skips_counts():
    mp4 = synthetic.video_bytes(2)
    assert non_media_bytes(mp4 + iso_box(b"uuid", b"x" * 100), "video/mp4") > 100


def test_a_box_running_past_the_end_is_corrupt():
    with pytest.raises(LayoutError, match="runs past the end"):
        non_media_bytes(synthetic.video_bytes(2) + struct.pack(">I4s", 999, b"free"), "video/mp4")


@pytest.mark.parametrize("kind", [b"uuid", b"free", b"udta"])
def test_a_large_box_after_the_media_is_refused(intake, kind):
    data = synthetic.video_bytes(4) + iso_box(kind, b"\0" * BIG)
    assert_refused(intake, data, "big.mp4", 422, "bytes besides its media data and index")


def test_a_large_element_after_a_webm_segment_is_refused(intake):
    data = webm() + ebml_void(BIG)
    assert_refused(intake, data, "big.webm", 422, "bytes besides its media data and index")
