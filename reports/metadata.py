"""Reading a file's embedded metadata (EXIF, PNG text, container tags) for a reviewer who
asks for it. Values are shortened: metadata is evidence, not a place to hide payloads."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

MAX_VALUE = 300


def _short(value: object) -> str:
    text = value.hex() if isinstance(value, bytes) else str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def read_metadata(data: bytes, kind: str) -> dict[str, str]:
    """Name → value of the metadata the file carries."""
    if kind == "video":
        import av

        with av.open(io.BytesIO(data)) as container:
            found = {f"container.{k}": _short(v) for k, v in container.metadata.items()}
            for i, stream in enumerate(container.streams):
                found.update({f"stream{i}.{k}": _short(v) for k, v in stream.metadata.items()})
            return found
    with Image.open(io.BytesIO(data)) as image:
        found = {}
        for tag, value in image.getexif().items():
            found[f"EXIF {ExifTags.TAGS.get(tag, tag)}"] = _short(value)
        for key, value in image.info.items():
            if key in {"exif", "icc_profile"}:
                found[key] = f"{len(value)} bytes"
            else:
                found[key] = _short(value)
        return found
