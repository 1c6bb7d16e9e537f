"""Blurred, greyscale previews made on the server, so reviewers never receive sharp pixels
unless they reveal an item on purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

PREVIEW_EDGE = 256
KEYFRAME_EDGE = 160
GRID_COLUMNS = 3
MAX_KEYFRAMES = 9
# A video's preview picks its keyframes from at most this many of the first keyframes.
KEYFRAMES_SCANNED = MAX_KEYFRAMES * 8


def _blur_small(image: Image.Image, edge: int) -> Image.Image:
    """Greyscale, at most `edge` on the long side, Gaussian-blurred with a radius of a
    sixteenth of that side (at least 6 px).

    Nothing but one cheap integer box reduce touches the full-size pixels: it shrinks to about
    half the final size (averaging whole blocks, so no aliasing), then the grey conversion,
    the blur (its radius scaled to match) and the resample to the final size all work on
    that small copy. A blur that strong looks the same done at half size; a full-size blur
    costs some 40 times more.
    """
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    width, height = image.size
    scale = min(1.0, edge / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = max(1, min(width // max(1, size[0] // 2), height // max(1, size[1] // 2)))
    small = image.reduce(factor) if factor > 1 else image
    grey = small.convert("L") if small.mode != "L" else small
    radius = max(6, max(size) // 16) * max(grey.size) / max(size)
    blurred = grey.filter(ImageFilter.GaussianBlur(radius))
    return blurred if blurred.size == size else blurred.resize(size, Image.Resampling.BILINEAR)


def blurred_grey(image: Image.Image, edge: int) -> Image.Image:
    """The preview's filter: greyscale and strongly blurred, at most `edge` on the long side."""
    return _blur_small(image, edge)


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def image_preview(image: Image.Image) -> bytes:
    """A strongly blurred greyscale JPEG at most PREVIEW_EDGE pixels on its long side."""
    return _encode(_blur_small(image, PREVIEW_EDGE))


def keyframe_grid(frames: list[Image.Image]) -> bytes:
    """A grid of blurred greyscale keyframes, for reviewing a video without playing it."""
    tiles = [_blur_small(frame, KEYFRAME_EDGE) for frame in frames[:MAX_KEYFRAMES]]
    columns = min(GRID_COLUMNS, len(tiles))
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
    colour, its long edge in pixels, and the filter (blur or pixelate)."""

    blur: str = "strong"
    greyscale: bool = True
    edge: int = PREVIEW_EDGE
    filter: str = "blur"


DEFAULT_STYLE = PreviewStyle()
BLUR_DIVISORS = {"strong": 16, "medium": 32, "light": 64}
BLUR_MIN_RADIUS = {"strong": 6, "medium": 4, "light": 2}
PIXEL_BLOCKS = 16  # a pixelated preview is PIXEL_BLOCKS blocks on its long side


def styled_preview(
    image: Image.Image, blur: str, greyscale: bool, edge: int, filter: str = "blur"
) -> bytes:
    """A JPEG of the image at most `edge` on its long side, blurred (Gaussian, radius edge
    divided by 16, 32 or 64 for strong, medium, light) or pixelated (shrunk to edge/16 on the
    long side, enlarged again with NEAREST), in greyscale or colour."""
    image = image.convert("L" if greyscale else "RGB")
    width, height = image.size
    scale = min(1.0, edge / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    if filter == "pixelate":
        blocks = max(1, edge // PIXEL_BLOCKS)
        tiny_scale = blocks / max(size)
        tiny = (max(1, round(size[0] * tiny_scale)), max(1, round(size[1] * tiny_scale)))
        styled = small.resize(tiny, Image.Resampling.BOX).resize(size, Image.Resampling.NEAREST)
    else:
        radius = max(BLUR_MIN_RADIUS[blur], max(size) // BLUR_DIVISORS[blur])
        styled = small.filter(ImageFilter.GaussianBlur(radius))
    return _encode(styled)
