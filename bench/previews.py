"""Rendering a preview in a reviewer's own style, on one core: p50/p95 per filter.

    .venv/bin/python bench/previews.py [--images N] [--cpu K]

For each filter and strength a reviewer can choose (blur strong/medium/light, pixelate,
reduced detail) and each preview size (256, 384, 512 px), renders the preview of N distinct
synthetic 1-megapixel JPEGs (bench/media_processing.py's "noisy" pictures, never real
material) the way /media/<id>/preview does on a cache miss: decode the sealed original at a
reduced JPEG scale (draft), then reports.previews.styled_preview. Also times the keyframe
grid of a synthetic 10 s video (decode its keyframes, draw the grid), which previews of
videos are. Target: at most 20 ms per image preview, so that changing a setting feels
instant. Prints JSON; no Django settings or database are needed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from bench import common  # noqa: E402
from bench.media_processing import encode, noisy_picture  # noqa: E402
from reports import previews, synthetic  # noqa: E402
from reports.processing import keyframes  # noqa: E402

STYLES = [
    ("blur", "strong"),
    ("blur", "medium"),
    ("blur", "light"),
    ("pixelate", "strong"),
    ("reduced", "strong"),
    ("reduced", "light"),
]
EDGES = (256, 384, 512)
TARGET_MS = 20


def render(data: bytes, filter_: str, blur: str, edge: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (edge, edge))
        return previews.styled_preview(image, blur, True, edge, filter_)


def timed_ms(call, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--cpu", type=int, default=0, help="pin to this CPU")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    common.log(f"drawing {args.images} synthetic 1 MP pictures")
    files = [encode(noisy_picture(20_000 + i, (1155, 866)), "JPEG") for i in range(args.images)]
    for data in files[:2]:  # warm up the decoder and the allocator
        render(data, "blur", "strong", 256)

    results = []
    for filter_, blur in STYLES:
        for edge in EDGES:
            times = []
            for data in files:
                start = time.perf_counter()
                render(data, filter_, blur, edge)
                times.append((time.perf_counter() - start) * 1000)
            figures = common.spread(times, digits=2)
            results.append({"filter": filter_, "blur": blur, "edge": edge, **figures})
            common.log(f"{filter_}/{blur} {edge}px: {figures}")

    common.log("encoding a synthetic 10 s video")
    video = synthetic.video_bytes(7, seconds=10.0, fps=25, size=(1280, 720))
    grid_ms = timed_ms(lambda: previews.keyframe_grid(keyframes(video)), 5)

    worst_p95 = max(r["p95"] for r in results)
    print(
        json.dumps(
            {
                "machine": common.machine(),
                "pinned_cpu": args.cpu,
                "images": args.images,
                "image_megapixels": round(1155 * 866 / 1e6, 2),
                "image_previews_ms": results,
                "video_10s_720p_keyframe_grid_ms": common.spread(grid_ms, digits=1),
                "worst_image_p95_ms": worst_p95,
                "target_ms": TARGET_MS,
                "target_met": worst_p95 <= TARGET_MS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
