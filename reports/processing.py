"""Processing stored media: decode once, hash, and make the blurred preview."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from reports import hashing, previews


@dataclass
class ProcessedMedia:
    sha256: str
    md5: str
    pdq: str  # empty for video
    pdq_quality: int | None
    preview: bytes
    timings: dict[str, float] = field(default_factory=dict)


def process_bytes(data: bytes, kind: str) -> ProcessedMedia:
    """Hashes and preview for one file's plaintext bytes; timings per stage in seconds."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sha256, md5 = hashing.digests(data)
    t1 = time.perf_counter()
    timings["digests"] = t1 - t0
    if kind == "video":
        frames = _keyframes(data)
        t2 = time.perf_counter()
        timings["decode"] = t2 - t1
        preview = previews.keyframe_grid(frames)
        timings["preview"] = time.perf_counter() - t2
        return ProcessedMedia(sha256, md5, "", None, preview, timings)

    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    pixels = np.asarray(rgb)
    t2 = time.perf_counter()
    timings["decode"] = t2 - t1
    pdq_hex, quality = hashing.pdq(pixels)
    t3 = time.perf_counter()
    timings["pdq"] = t3 - t2
    preview = previews.image_preview(rgb)
    timings["preview"] = time.perf_counter() - t3
    return ProcessedMedia(sha256, md5, pdq_hex, quality, preview, timings)


def _keyframes(data: bytes, wanted: int = previews.MAX_KEYFRAMES) -> list[Image.Image]:
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        frames = []
        for frame in container.decode(stream):
            frames.append(frame.to_image())
            if len(frames) >= wanted * 8:
                break
    if not frames:
        raise ValueError("the video has no decodable keyframe")
    if len(frames) > wanted:
        step = len(frames) / wanted
        frames = [frames[int(i * step)] for i in range(wanted)]
    return frames
