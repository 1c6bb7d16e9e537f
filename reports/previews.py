"""Blurred, greyscale previews made on the server, so reviewers never receive sharp pixels
unless they reveal an item on purpose.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter

PREVIEW_EDGE = 256
KEYFRAME_EDGE = 160
GRID_COLUMNS = 3
MAX_KEYFRAMES = 9


def _blur_small(image: Image.Image, edge: int) -> Image.Image:
    grey = image.convert("L")
    # Shrink first (cheap integer reduce, then a proper resample): blurring a small image is
    # a fraction of the cost of blurring the original and hides just as much.
    factor = max(1, min(grey.size) // (edge * 2))
    if factor > 1:
        grey = grey.reduce(factor)
    grey.thumbnail((edge, edge), Image.Resampling.BILINEAR)
    radius = max(6, max(grey.size) // 16)
    return grey.filter(ImageFilter.GaussianBlur(radius))


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
