"""Revealing one region: the original's pixels inside the rectangle a reviewer chose, the
rest of the picture filtered as its preview is (greyscale, strongly blurred), so a reviewer
can check one detail without seeing the whole image."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

from PIL import Image

from reports.previews import blurred_grey

# The answer's longest side: a larger original is answered scaled down (and the region
# with it), so one reveal never encodes tens of megapixels.
REGION_MAX_EDGE = 2048


REDUCIBLE_MODES = ("L", "RGB", "RGBA", "LA")


class BadRegion(ValueError):
    """The region field cannot be read or does not fit the original; the message says why."""


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    width: int
    height: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.width, self.height]


def parse_region(text: str, width: int, height: int) -> Region:
    """`x,y,w,h` in the original's pixels, inside its width × height."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4 or not all(re.fullmatch("[0-9]{1,6}", part) for part in parts):
        raise BadRegion("must be x,y,w,h: four whole numbers of pixels")
    x, y, w, h = (int(part) for part in parts)
    if w < 1 or h < 1:
        raise BadRegion("must be at least one pixel wide and high")
    if x + w > width or y + h > height:
        raise BadRegion(f"must lie within the {width}×{height} original")
    return Region(x, y, w, h)


def region_revealed(data: bytes, region: Region) -> bytes:
    """A JPEG of the original (its first frame), at most REGION_MAX_EDGE on its long side,
    unfiltered inside the region and filtered elsewhere."""
    with Image.open(io.BytesIO(data)) as image:
        original_width = image.width
        if image.format == "JPEG":  # decoded already shrunk (DCT scaling), never below the edge
            image.draft("RGB", (REGION_MAX_EDGE, REGION_MAX_EDGE))
        image.load()
        # Whole-factor shrinks that stay at or above the edge; the resize below finishes.
        reduce_by = max(1, max(image.size) // REGION_MAX_EDGE)
        if reduce_by > 1 and image.mode in REDUCIBLE_MODES:  # before the RGB copy, not after
            image = image.reduce(reduce_by)
        scale = image.width / original_width
        picture = image.convert("RGB")
    if max(picture.size) > REGION_MAX_EDGE:
        shrink = REGION_MAX_EDGE / max(picture.size)
        size = (max(1, round(picture.width * shrink)), max(1, round(picture.height * shrink)))
        picture = picture.resize(size, Image.Resampling.BOX)
        scale *= shrink
    box = _scaled_box(region, scale, picture.size)
    answer = blurred_grey(picture, max(picture.size)).convert("RGB")
    if answer.size != picture.size:
        answer = answer.resize(picture.size, Image.Resampling.BILINEAR)
    answer.paste(picture.crop(box), box[:2])
    out = io.BytesIO()
    answer.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _scaled_box(region: Region, scale: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    left, top = math.floor(region.x * scale), math.floor(region.y * scale)
    right = min(size[0], max(left + 1, math.ceil((region.x + region.width) * scale)))
    bottom = min(size[1], max(top + 1, math.ceil((region.y + region.height) * scale)))
    return left, top, right, bottom
