"""Processing a large image costs a bounded amount of memory: it is shrunk (decoded shrunk,
for JPEG) before any full-size RGB copy or PDQ's float buffers, and a video's keyframes are
scaled down as they are decoded. PDQ stays within a few bits of the full-size hash."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pdqhash
import pytest
from django.conf import settings
from PIL import Image

from reports import previews, synthetic
from reports.processing import HASH_MAX_PIXELS, decode_rgb, keyframes
from tests.reports import hostile_files

MEASURE = """
import json, resource, sys
from reports.processing import process_bytes
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF)
result = process_bytes(data, "image")
after = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: that one also counts the forking parent's memory before exec.
peak_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({
    "peak_mb": peak_kb / 1024,
    "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
    "pdq": result.pdq, "quality": result.pdq_quality, "preview": result.preview.hex(),
}))
"""


def processed_in_a_fresh_process(path) -> dict:
    """process_bytes of the file in its own interpreter: its peak RSS and CPU time."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def full_size_pdq(image: Image.Image) -> np.ndarray:
    return pdqhash.compute(np.asarray(image.convert("RGB")))[0]


def pdq_bits(hex_hash: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_49_megapixel_image_is_hashed_and_previewed_in_bounded_memory(tmp_path, fmt):
    path = tmp_path / f"big.{fmt.lower()}"
    if fmt == "PNG":
        path.write_bytes(hostile_files.big_png())  # 78 kB, 7000x7000 grey
    else:
        synthetic.stripes(7000, "RGB").save(path, format="JPEG", quality=90)
    measured = processed_in_a_fresh_process(path)
    # The full-size path peaked at 1.5-1.6 GB (PDQ's float buffers of 49 MP).
    assert measured["peak_mb"] < 400, measured["peak_mb"]
    assert len(measured["pdq"]) == 64 and measured["quality"] > 50
    preview = Image.open(io.BytesIO(bytes.fromhex(measured["preview"])))
    assert (preview.format, preview.mode, preview.size) == ("JPEG", "L", (256, 256))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_shrunk_image_hashes_within_a_few_bits_of_the_full_size(fmt, seed):
    picture = synthetic.picture(seed, (4000, 3000))  # 12 MP: shrunk by 2 before hashing
    out = io.BytesIO()
    picture.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    data = out.getvalue()
    shrunk = decode_rgb(data)
    assert shrunk.width * shrunk.height <= HASH_MAX_PIXELS
    assert shrunk.size == (2000, 1500)
    full = full_size_pdq(Image.open(io.BytesIO(data)))
    distance = int((full != pdqhash.compute(np.asarray(shrunk))[0]).sum())
    assert distance <= 8  # far inside PDQ_MATCH_DISTANCE (31); measured 0-2


def test_images_up_to_the_hashing_size_are_decoded_at_full_size():
    picture = synthetic.picture(4, (2000, 2000))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    assert np.array_equal(np.asarray(decode_rgb(out.getvalue())), np.asarray(picture))


def test_a_palette_image_is_converted_then_shrunk():
    picture = synthetic.picture(5, (3000, 2000)).convert("P")
    out = io.BytesIO()
    picture.save(out, format="GIF")
    decoded = decode_rgb(out.getvalue())
    assert (decoded.mode, decoded.size) == ("RGB", (1500, 1000))


def test_video_keyframes_are_scaled_down_as_they_are_decoded():
    video = synthetic.video_bytes(7, seconds=3.0, size=(1920, 1080))
    frames = keyframes(video)
    assert len(frames) == 3
    assert all(max(f.size) <= 4 * previews.KEYFRAME_EDGE for f in frames)
    assert frames[0].size == (640, 360)
