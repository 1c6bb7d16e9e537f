"""Blurred, greyscale previews made on the server, so reviewers never receive sharp pixels
unless they reveal an item on purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

PREVIEW_EDGE = 256
KEYFRAME_EDGE = 160
GRID_COLUMNS = 3
MAX_KEYFRAMES = 9  # in the stored grid
MAX_GRID_KEYFRAMES = 16  # in a grid made on request (the reviewer's keyframe density)
# A video's preview picks its keyframes from at most this many of the first keyframes.
KEYFRAMES_SCANNED = MAX_KEYFRAMES * 8


def _shrunk(image: Image.Image, edge: int, greyscale: bool) -> tuple[Image.Image, tuple[int, int]]:
    """About half the final size (a cheap integer box reduce, the only step that touches the
    full-size pixels) in grey or RGB, and the final size: at most `edge` on the long side."""
    mode = "L" if greyscale else "RGB"
    if image.mode not in ("L", "RGB"):
        image = image.convert(mode)
    width, height = image.size
    scale = min(1.0, edge / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = max(1, min(width // max(1, size[0] // 2), height // max(1, size[1] // 2)))
    small = image.reduce(factor) if factor > 1 else image
    return (small.convert(mode) if small.mode != mode else small), size


def blurred_grey(
    image: Image.Image, edge: int, *, greyscale: bool = True, divisor: int = 16, min_radius: int = 6
) -> Image.Image:
    """At most `edge` on the long side, Gaussian-blurred with a radius of 1/divisor of that
    side (at least min_radius px); greyscale unless asked for colour. The defaults are the
    stored preview's filter.

    The grey conversion, the blur (its radius scaled to match) and the resample to the final
    size all work on the half-size copy _shrunk makes. A blur that strong looks the same done
    at half size; a full-size blur costs some 40 times more.
    """
    small, size = _shrunk(image, edge, greyscale)
    radius = max(min_radius, max(size) // divisor) * max(small.size) / max(size)
    blurred = small.filter(ImageFilter.GaussianBlur(radius))
    return blurred if blurred.size == size else blurred.resize(size, Image.Resampling.BILINEAR)


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def image_preview(image: Image.Image) -> bytes:
    """A strongly blurred greyscale JPEG at most PREVIEW_EDGE pixels on its long side."""
    return _encode(blurred_grey(image, PREVIEW_EDGE))


def keyframe_grid(frames: list[Image.Image], columns: int = GRID_COLUMNS) -> bytes:
    """A grid of blurred greyscale keyframes, for reviewing a video without playing it."""
    tiles = [blurred_grey(frame, KEYFRAME_EDGE) for frame in frames[:MAX_GRID_KEYFRAMES]]
    columns = min(columns, len(tiles))
    rows = -(-len(tiles) // columns)
    grid = Image.new("L", (columns * KEYFRAME_EDGE, rows * KEYFRAME_EDGE), color=32)
    for i, tile in enumerate(tiles):
        x = (i % columns) * KEYFRAME_EDGE + (KEYFRAME_EDGE - tile.width) // 2
        y = (i // columns) * KEYFRAME_EDGE + (KEYFRAME_EDGE - tile.height) // 2
        grid.paste(tile, (x, y))
    return _encode(grid)


@dataclass(frozen=True)
class PreviewStyle:
    """How a reviewer's preview is made: blur strength (strong/medium/light), greyscale or
    colour, its long edge in pixels, the filter (blur, pixelate or reduced detail), and how
    many keyframes a video's grid shows."""

    blur: str = "strong"
    greyscale: bool = True
    edge: int = PREVIEW_EDGE
    filter: str = "blur"
    keyframes: int = MAX_KEYFRAMES  # a video's grid


DEFAULT_STYLE = PreviewStyle()
BLUR_DIVISORS = {"strong": 16, "medium": 32, "light": 64}
BLUR_MIN_RADIUS = {"strong": 6, "medium": 4, "light": 2}
PIXEL_BLOCKS = 16  # a pixelated preview is PIXEL_BLOCKS blocks on its long side
# A reduced-detail drawing smooths with a radius of the long edge divided by this, by strength.
DRAWING_DIVISORS = {"strong": 48, "medium": 64, "light": 96}
DRAWING_TONES = 5
DRAWING_LINE = 30


def reduced_detail(image: Image.Image, edge: int, blur: str = "strong") -> Image.Image:
    """A drawing of the picture: a few light grey tones with dark outlines between them.
    Shapes and their layout stay readable; skin, faces and textures do not, since the
    smoothing and the five tones leave no detail to see. Always greyscale."""
    small, size = _shrunk(image, edge, greyscale=True)
    radius = max(size) / DRAWING_DIVISORS[blur] * max(small.size) / max(size)
    # Stretched, not equalised: equalising turns the noise of a flat area into blobs.
    smooth = ImageOps.autocontrast(small.filter(ImageFilter.GaussianBlur(radius)), cutoff=2)
    if smooth.size != size:
        smooth = smooth.resize(size, Image.Resampling.BILINEAR)
    tone = np.asarray(smooth, dtype=np.uint16) * DRAWING_TONES >> 8
    outline = np.zeros(tone.shape, dtype=bool)
    outline[:, 1:] |= tone[:, 1:] != tone[:, :-1]
    outline[1:, :] |= tone[1:, :] != tone[:-1, :]
    grey = (170 + tone * (80 // (DRAWING_TONES - 1))).astype(np.uint8)
    return Image.fromarray(np.where(outline, np.uint8(DRAWING_LINE), grey), "L")


def styled_preview(
    image: Image.Image, blur: str, greyscale: bool, edge: int, filter: str = "blur"
) -> bytes:
    """A JPEG of the image at most `edge` on its long side, blurred (Gaussian, radius edge
    divided by 16, 32 or 64 for strong, medium, light) or pixelated (shrunk to edge/16 on the
    long side, enlarged again with NEAREST), in greyscale or colour; or drawn with reduced
    detail (see reduced_detail)."""
    return _encode(styled_image(image, blur, greyscale, edge, filter))


def styled_image(
    image: Image.Image, blur: str, greyscale: bool, edge: int, filter: str = "blur"
) -> Image.Image:
    """The picture styled_preview encodes (also a filtered video's frames)."""
    if filter == "reduced":
        return reduced_detail(image, edge, blur)
    if filter == "pixelate":
        small, size = _shrunk(image, edge, greyscale)
        blocks = max(1, edge // PIXEL_BLOCKS)
        tiny_scale = blocks / max(size)
        tiny = (max(1, round(size[0] * tiny_scale)), max(1, round(size[1] * tiny_scale)))
        styled = small.resize(tiny, Image.Resampling.BOX).resize(size, Image.Resampling.NEAREST)
    else:
        styled = blurred_grey(
            image,
            edge,
            greyscale=greyscale,
            divisor=BLUR_DIVISORS[blur],
            min_radius=BLUR_MIN_RADIUS[blur],
        )
    return styled
