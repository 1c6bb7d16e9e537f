"""A media item's metadata as the reviewer reads it: under headings, names in words, units."""

from __future__ import annotations

import io

from PIL import Image

from casework.cases.metadata_view import sections
from reports import synthetic
from reports.metadata import read_metadata


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "SyntheticCam", "Model 7"  # Make, Model
    exif[0x0131], exif[0x0132] = "Drawer 1.0", "2026:11:01 10:00:00"  # Software, DateTime
    exif[0x011A], exif[0x0128], exif[0x0112] = 300, 2, 6  # XResolution, unit inches, rotated
    out = io.BytesIO()
    synthetic.picture(5, (64, 48)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_metadata_is_grouped_named_and_given_units():
    shown = {
        s["heading"]: dict(s["items"]) for s in sections(read_metadata(jpeg_with_exif(), "image"))
    }
    assert shown["Camera"] == {"Make": "SyntheticCam", "Model": "Model 7"}
    assert shown["Dates"] == {"Date and time": "2026:11:01 10:00:00"}
    assert shown["Software and author"] == {"Software": "Drawer 1.0"}
    assert shown["Image"]["Horizontal resolution"] == "300.0 dpi"
    assert shown["Image"]["Resolution"] == "300 × 300 dpi"
    assert shown["Embedded data"] == {"EXIF block": "166 bytes"}
    assert shown["Image"]["Orientation"] == "rotated 90° clockwise"
    assert list(shown)[:3] == ["Camera", "Dates", "Software and author"]


def test_video_tags_are_grouped_by_container_and_stream():
    found = {"container.major_brand": "isom", "stream0.handler_name": "VideoHandler"}
    shown = sections(found)
    assert shown == [
        {"heading": "Container", "items": [["Major brand", "isom"]]},
        {"heading": "Streams", "items": [["Stream 1: handler name", "VideoHandler"]]},
    ]
