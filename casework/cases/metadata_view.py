"""A media item's metadata for the reviewer: under headings, with units, names in words."""

from __future__ import annotations

import re

# (heading, does this raw name belong to it), first match wins.
SECTIONS = (
    ("Camera", re.compile(r"^EXIF (Make|Model|LensMake|LensModel|BodySerialNumber)$")),
    ("Dates", re.compile(r"^EXIF (DateTime\w*|OffsetTime\w*)$|creation_time$|date", re.I)),
    ("Location", re.compile(r"^EXIF GPS|location|gps", re.I)),
    ("Software and author", re.compile(r"software|artist|copyright|author|encoder|comment", re.I)),
    ("Image", re.compile(r"^EXIF (Orientation|[XY]Resolution|ResolutionUnit|\w*Image\w*)$|^dpi$")),
    ("Container", re.compile(r"^container\.")),
    ("Streams", re.compile(r"^stream\d+\.")),
    ("Embedded data", re.compile(r"^(exif|icc_profile|xmp|XML:com\.adobe\.xmp)$")),
)
OTHER = "Other"
RESOLUTION_UNITS = {"1": "", "2": "dpi", "3": "dpcm"}
LABELS = {
    "EXIF XResolution": "Horizontal resolution",
    "EXIF YResolution": "Vertical resolution",
    "EXIF ResolutionUnit": "Resolution unit",
    "EXIF DateTime": "Date and time",
    "EXIF DateTimeOriginal": "Taken",
    "EXIF DateTimeDigitized": "Digitised",
    "dpi": "Resolution",
    "exif": "EXIF block",
    "icc_profile": "Colour profile",
}
ORIENTATIONS = {
    "1": "upright",
    "3": "rotated 180°",
    "6": "rotated 90° clockwise",
    "8": "rotated 90° counter-clockwise",
}


def sections(found: dict[str, str]) -> list[dict[str, object]]:
    """[{"heading": ..., "items": [[label, value], ...]}, ...] in SECTIONS' order."""
    grouped: dict[str, list[list[str]]] = {}
    unit = RESOLUTION_UNITS.get(str(found.get("EXIF ResolutionUnit", "")), "")
    for name, value in found.items():
        heading = next((h for h, pattern in SECTIONS if pattern.search(name)), OTHER)
        grouped.setdefault(heading, []).append([_label(name), _with_unit(name, value, unit)])
    order = [h for h, _ in SECTIONS] + [OTHER]
    return [{"heading": h, "items": grouped[h]} for h in order if h in grouped]


def _label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    name = re.sub(r"^(EXIF |container\.)", "", name)
    name = re.sub(r"^stream(\d+)\.", lambda m: f"stream {int(m.group(1)) + 1}: ", name)
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ")
    return name[:1].upper() + name[1:]


def _with_unit(name: str, value: str, resolution_unit: str) -> str:
    if name in {"EXIF XResolution", "EXIF YResolution"} and resolution_unit:
        return f"{value} {resolution_unit}"
    if name == "EXIF Orientation":
        return ORIENTATIONS.get(str(value), f"code {value}")
    if name == "EXIF ResolutionUnit":
        return {"1": "none", "2": "inches", "3": "centimetres"}.get(str(value), str(value))
    if name == "dpi" and (pair := re.fullmatch(r"\(([\d.]+), ([\d.]+)\)", str(value))):
        return f"{float(pair[1]):g} × {float(pair[2]):g} dpi"
    return str(value)
