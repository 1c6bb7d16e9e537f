"""Synthetic media for tests, demos and benchmarks: drawn here, never downloaded.

Casework is never tested or demonstrated with real abuse material; these pictures are
coloured shapes on gradients, distinct per seed and deterministic.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A deterministic RGB picture: a two-colour gradient with a few shapes on it."""
    rng = random.Random(seed)
    width, height = size
    a = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    b = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    t = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    ramp = np.broadcast_to(a + (b - a) * t, (height, width, 3))
    image = Image.fromarray(ramp.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(4, 9)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randint(20, width // 2), y0 + rng.randint(20, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    # A fine checker texture gives the picture the detail of a photograph, so its PDQ
    # quality is high enough (>= 50) for matching, as a real photo's would be.
    for _ in range(3):
        x0, y0 = rng.randrange(width // 2), rng.randrange(height // 2)
        step = rng.randint(6, 14)
        for x in range(x0, min(width, x0 + width // 3), step * 2):
            for y in range(y0, min(height, y0 + height // 3), step * 2):
                draw.rectangle((x, y, x + step - 1, y + step - 1), fill=(0, 0, 0))
    return image


def image_bytes(seed: int, fmt: str = "JPEG", size: tuple[int, int] = (640, 480)) -> bytes:
    """picture(seed) encoded as JPEG, PNG, GIF or WEBP."""
    out = io.BytesIO()
    image = picture(seed, size)
    if fmt == "GIF":
        image = image.convert("P")
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def stripes(size: int, mode: str = "L") -> Image.Image:
    """A size x size picture of stripes and a disc: it compresses to almost nothing."""
    ink = {"L": (0, 200, 90), "RGB": ((0, 0, 0), (200, 50, 90), (20, 220, 20))}[mode]
    image = Image.new(mode, (size, size), ink[0])
    draw = ImageDraw.Draw(image)
    for x in range(0, size, max(1, size // 10)):
        draw.rectangle((x, 0, x + size // 20, size), fill=ink[1])
    draw.ellipse((size // 7, size // 7, size * 5 // 7, size * 6 // 7), fill=ink[2])
    return image


def big_png(size: int = 7000, mode: str = "L") -> bytes:
    """stripes(size) as PNG: 49 megapixels (under the 50 MP limit) in some 80 kB (grey) or
    180 kB (RGB), the costliest image per byte that intake takes."""
    out = io.BytesIO()
    stripes(size, mode).save(out, format="PNG", compress_level=9)
    return out.getvalue()


def video_bytes(
    seed: int,
    seconds: float = 2.0,
    fps: int = 12,
    size: tuple[int, int] = (320, 240),
    moving: bool = True,
) -> bytes:
    """A short MP4 (MPEG-4 Part 2) of a shape moving over picture(seed), a keyframe a second
    (moving=False: picture(seed) alone, a still)."""
    import av

    background = picture(seed, size)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = fps
        for i in range(int(seconds * fps)):
            frame_image = background.copy()
            x = int((size[0] - 40) * i / max(1, seconds * fps - 1))
            if moving:
                box = (x, 100, x + 40, 140)
                ImageDraw.Draw(frame_image).rectangle(box, fill=(255, 255, 255))
            frame = av.VideoFrame.from_image(frame_image)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def scenes_video(
    seeds: list[int],
    *,
    fps: int = 4,
    size: tuple[int, int] = (320, 240),
    codec: str = "mpeg4",
    altered: bool = False,
) -> bytes:
    """An MP4 showing picture(seed) for a second per seed, a keyframe a second. altered: a
    copy as a platform might re-upload it: cropped by 2 px, stamped with a small logo in a
    corner, and the result re-encoded (with codec, e.g. libx264)."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = fps
        for seed in seeds:
            scene = picture(seed, size)
            if altered:
                scene = _stamped(scene)
            for _ in range(fps):
                for packet in stream.encode(av.VideoFrame.from_image(scene)):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _stamped(image: Image.Image, crop: int = 2, logo: int = 8) -> Image.Image:
    width, height = image.size
    image = image.crop((crop, crop, width - crop, height - crop)).resize((width, height))
    corner = (width - logo - 6, height - logo - 6, width - 6, height - 6)
    ImageDraw.Draw(image).rectangle(corner, fill=(255, 255, 255))
    return image
