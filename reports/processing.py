"""Processing stored media: decode once, hash, and make the blurred preview."""

from __future__ import annotations

import ctypes
import io
import math
import os
import time
from dataclasses import dataclass, field

from django.conf import settings
from PIL import Image

from reports import hashing, png_stored, previews, vpdq

# pdqhash allocates several full-size float64 buffers per image (its luma conversion and the
# C++ filter's scratch buffer): about 8 MB each at 1 megapixel. glibc serves blocks that big
# with a fresh mmap and unmaps them on free, so every image paid some 1,700 page faults
# (3-4 ms of kernel time, a quarter of the PDQ stage). With these thresholds a worker keeps
# that memory in its heap and reuses it; images under 4 megapixels stay fault-free.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20
_allocator_tuned = False
# Images up to this size are hashed at full resolution; larger ones are shrunk first.
HASH_MAX_PIXELS = 4_000_000
# A video keyframe is scaled to this long edge as it is decoded (its tile is far smaller).
KEYFRAME_DECODE_EDGE = 4 * previews.KEYFRAME_EDGE
# Modes Image.reduce() shrinks as they are (a byte per band), before any conversion.
REDUCIBLE_MODES = {"L", "LA", "RGB", "RGBA", "RGBX"}


@dataclass
class ProcessedMedia:
    sha256: str
    md5: str
    sha1: str
    pdq: str  # empty for video
    pdq_quality: int | None
    preview: bytes
    timings: dict[str, float] = field(default_factory=dict)
    pdq_dihedral: list[str] = field(default_factory=list)  # all 8 orientations, pdq first
    vpdq: list[vpdq.Frame] = field(default_factory=list)  # video only
    keyframe_times: list[float] = field(default_factory=list)  # video: each grid tile's time


def process_bytes(data: bytes, kind: str) -> ProcessedMedia:
    """Hashes and preview for one file's plaintext bytes; timings per stage in seconds."""
    _tune_allocator()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sha256, md5, sha1 = hashing.digests(data)
    t1 = time.perf_counter()
    timings["digests"] = t1 - t0
    if kind == "video":
        frames, times = keyframes_with_times(data)
        t2 = time.perf_counter()
        timings["decode"] = t2 - t1
        preview = previews.keyframe_grid(frames)
        t3 = time.perf_counter()
        timings["preview"] = t3 - t2
        hashed = vpdq.hash_video(data, settings.VPDQ_FRAMES_PER_SECOND)
        timings["vpdq"] = time.perf_counter() - t3
        return ProcessedMedia(
            sha256, md5, sha1, "", None, preview, timings, vpdq=hashed, keyframe_times=times
        )

    rgb = decode_rgb(data)
    t2 = time.perf_counter()
    timings["decode"] = t2 - t1
    orientations, quality = hashing.pdq_dihedral(rgb)
    t3 = time.perf_counter()
    timings["pdq"] = t3 - t2
    preview = previews.image_preview(rgb)  # shrinks before anything per-pixel; never re-decodes
    timings["preview"] = time.perf_counter() - t3
    return ProcessedMedia(
        sha256, md5, sha1, orientations[0], quality, preview, timings, orientations
    )


def decode_rgb(data: bytes) -> Image.Image:
    """The RGB pixels PDQ and the preview are made from.

    Up to HASH_MAX_PIXELS this is the full-resolution image, exactly
    Image.open(f).convert("RGB") (so PDQ is bit for bit the reference pdqhash of the file).
    A larger image is shrunk by the smallest whole factor that brings it under (PDQ's own
    file hasher shrinks anything over 512 px), and never held as full-size RGB: a JPEG is
    decoded already shrunk (its DCT scaling), anything else is box-reduced in the mode it
    decodes to (one byte a pixel for grey) before the RGB conversion. The reference hasher
    of the full-size pixels costs some 30 bytes a pixel: 1.6 GB for 49 megapixels.
    """
    # A PNG's stream is inflated by ISA-L at twice zlib's speed; the pixels are the same.
    data = png_stored.stored(data) or data
    with Image.open(io.BytesIO(data)) as image:
        factor = reduction(image.size)
        if factor > 1 and image.format == "JPEG":
            width, height = image.size
            image.draft("RGB", (-(-width // factor), -(-height // factor)))
        image.load()  # leaving the block drops the file, not the decoded pixels
        factor = reduction(image.size)
        if factor > 1:
            if image.mode not in REDUCIBLE_MODES:
                image = image.convert("RGB")
            image = image.reduce(factor)
        return image if image.mode == "RGB" else image.convert("RGB")


def reduction(size: tuple[int, int]) -> int:
    """The smallest whole factor that brings an image of this size to HASH_MAX_PIXELS."""
    width, height = size
    return max(1, math.ceil(math.sqrt(width * height / HASH_MAX_PIXELS)))


def _tune_allocator() -> None:
    """Once per process: let glibc reuse the large per-image buffers (see MMAP_THRESHOLD)."""
    global _allocator_tuned
    if _allocator_tuned:
        return
    _allocator_tuned = True
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return
    except (AttributeError, ValueError, OSError):
        return  # not glibc (macOS, musl, Windows): leave its allocator alone
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, MMAP_THRESHOLD)
    mallopt(m_trim_threshold, TRIM_THRESHOLD)


def keyframes(data: bytes, wanted: int = previews.MAX_KEYFRAMES) -> list[Image.Image]:
    """The keyframes of keyframes_with_times, without their times."""
    return keyframes_with_times(data, wanted)[0]


def keyframes_with_times(
    data: bytes, wanted: int = previews.MAX_KEYFRAMES
) -> tuple[list[Image.Image], list[float]]:
    """Up to `wanted` keyframes spread over the first KEYFRAMES_SCANNED, each scaled down
    as it is decoded (to KEYFRAME_DECODE_EDGE), so only one full-size frame is ever held;
    and each one's time in seconds (the case page marks the tiles a match covers)."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        frames, times = [], []
        for frame in container.decode(stream):
            scale = min(1.0, KEYFRAME_DECODE_EDGE / max(frame.width, frame.height))
            width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
            frames.append(frame.reformat(width=width, height=height, format="rgb24").to_image())
            times.append(round(float(frame.time or 0.0), 3))
            if len(frames) >= previews.KEYFRAMES_SCANNED:
                break
    if not frames:
        raise ValueError("the video has no decodable keyframe")
    if len(frames) > wanted:
        step = len(frames) / wanted
        picked = [int(i * step) for i in range(wanted)]
        frames, times = [frames[i] for i in picked], [times[i] for i in picked]
    return frames, times
