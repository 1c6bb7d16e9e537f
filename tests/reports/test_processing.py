"""process_bytes without a database: digests equal hashlib's, PDQ equal to the reference
computation on the full decoded pixels, and previews that are small, grey and blurred."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pdqhash
import pytest
from PIL import Image, UnidentifiedImageError

from reports import previews, synthetic
from reports.processing import decode_rgb, process_bytes


def reference_pdq(data: bytes) -> tuple[str, int]:
    """The stored PDQ's definition: pdqhash on Image.open(f).convert("RGB"), MSB first."""
    bits, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def noisy_picture(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A synthetic picture with seeded grain, so that it has fine detail to blur away."""
    pixels = np.asarray(synthetic.picture(seed, size), dtype=np.int16)
    grain = np.random.default_rng(seed).integers(-40, 41, pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def high_frequency(image: Image.Image) -> float:
    """Mean absolute difference between neighbouring pixels, across and down."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    return float(
        (np.abs(np.diff(pixels, axis=0)).mean() + np.abs(np.diff(pixels, axis=1)).mean()) / 2
    )


def steepest_step(image: Image.Image) -> float:
    """The largest difference between neighbouring pixels: a hard edge gives a big one."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    return float(max(np.abs(np.diff(pixels, axis=0)).max(), np.abs(np.diff(pixels, axis=1)).max()))


SAMPLES = {
    "jpeg": lambda: encoded(noisy_picture(1), "JPEG", quality=90),
    "png": lambda: encoded(noisy_picture(2), "PNG"),
    "smooth-jpeg": lambda: synthetic.image_bytes(3, "JPEG", size=(1155, 866)),
    "smooth-png": lambda: synthetic.image_bytes(4, "PNG", size=(1155, 866)),
    "palette-gif": lambda: synthetic.image_bytes(5, "GIF"),
    "rgba-png": lambda: encoded(noisy_picture(6, (300, 200)).convert("RGBA"), "PNG"),
    "grey-jpeg": lambda: encoded(noisy_picture(7, (300, 200)).convert("L"), "JPEG"),
    "webp": lambda: synthetic.image_bytes(8, "WEBP"),
}


@pytest.fixture(params=sorted(SAMPLES))
def sample(request) -> bytes:
    return SAMPLES[request.param]()


def test_digests_equal_hashlib(sample):
    result = process_bytes(sample, "image")
    assert result.sha256 == hashlib.sha256(sample).hexdigest()
    assert result.md5 == hashlib.md5(sample).hexdigest()
    assert result.sha1 == hashlib.sha1(sample).hexdigest()


def test_pdq_equals_the_reference_computation(sample):
    result = process_bytes(sample, "image")
    assert (result.pdq, result.pdq_quality) == reference_pdq(sample)
    assert len(result.pdq) == 64 and int(result.pdq, 16) >= 0
    assert 0 <= result.pdq_quality <= 100


def test_pdq_is_computed_on_the_full_decoded_pixels(sample):
    reference = np.asarray(Image.open(io.BytesIO(sample)).convert("RGB"))
    decoded = decode_rgb(sample)
    assert decoded.mode == "RGB"
    assert np.array_equal(np.asarray(decoded), reference)


def test_timings_cover_every_stage(sample):
    timings = process_bytes(sample, "image").timings
    assert set(timings) == {"digests", "decode", "pdq", "preview"}
    assert all(value >= 0 for value in timings.values())


def test_preview_is_a_small_blurred_greyscale_jpeg(sample):
    original = Image.open(io.BytesIO(sample))
    preview_bytes = process_bytes(sample, "image").preview
    assert preview_bytes[:2] == b"\xff\xd8"
    preview = Image.open(io.BytesIO(preview_bytes))
    assert preview.format == "JPEG"
    assert preview.mode == "L"
    assert max(preview.size) <= previews.PREVIEW_EDGE
    assert preview.width <= original.width and preview.height <= original.height
    # Same shape as the original, give or take a pixel of rounding.
    assert abs(preview.width / preview.height - original.width / original.height) < 0.05


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_preview_is_strongly_blurred(fmt):
    picture = noisy_picture(11)
    preview = Image.open(io.BytesIO(process_bytes(encoded(picture, fmt), "image").preview))
    sharp = picture.convert("L").resize(preview.size, Image.Resampling.BILINEAR)
    assert high_frequency(sharp) > 2  # the test picture has detail to lose
    # About 10x less; JPEG's own block noise keeps the preview's figure from reaching 0.
    assert high_frequency(preview) < high_frequency(sharp) / 5


def test_large_image_preview_fits_the_edge():
    data = encoded(noisy_picture(12, (2400, 1000)), "JPEG")
    preview = Image.open(io.BytesIO(process_bytes(data, "image").preview))
    assert preview.size == (256, 107)


def test_small_image_preview_is_not_enlarged():
    data = encoded(noisy_picture(13, (90, 60)), "PNG")
    preview = Image.open(io.BytesIO(process_bytes(data, "image").preview))
    assert preview.size == (90, 60)
    assert preview.mode == "L"


def test_rotated_image_has_a_different_pdq():
    picture = noisy_picture(14)
    upright = process_bytes(encoded(picture, "PNG"), "image").pdq
    rotated = process_bytes(encoded(picture.transpose(Image.Transpose.ROTATE_90), "PNG"), "image")
    assert (
        rotated.pdq
        == reference_pdq(encoded(picture.transpose(Image.Transpose.ROTATE_90), "PNG"))[0]
    )
    distance = bin(int(upright, 16) ^ int(rotated.pdq, 16)).count("1")
    assert distance > 32


def test_distinct_pictures_have_distinct_pdq():
    hashes = {process_bytes(encoded(noisy_picture(seed), "JPEG"), "image").pdq for seed in range(4)}
    assert len(hashes) == 4


def test_video_gets_a_keyframe_grid_and_no_pdq():
    data = synthetic.video_bytes(21, seconds=3.0)
    result = process_bytes(data, "video")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.md5 == hashlib.md5(data).hexdigest()
    assert result.sha1 == hashlib.sha1(data).hexdigest()
    assert result.pdq == ""
    assert result.pdq_quality is None
    grid = Image.open(io.BytesIO(result.preview))
    assert grid.format == "JPEG"
    assert grid.mode == "L"
    # Three keyframes (one a second) in one row of KEYFRAME_EDGE tiles.
    assert grid.size == (3 * previews.KEYFRAME_EDGE, previews.KEYFRAME_EDGE)
    assert set(result.timings) == {"digests", "decode", "preview", "vpdq"}
    # vPDQ: one frame a second (12 frames a second: frames 0, 12, 24), at the video's size.
    assert [f.number for f in result.vpdq] == [0, 12, 24]
    assert [f.timestamp for f in result.vpdq] == [0.0, 1.0, 2.0]
    assert all(f.quality >= 50 for f in result.vpdq)


def test_video_frames_per_second_is_a_setting(settings):
    settings.VPDQ_FRAMES_PER_SECOND = 4
    result = process_bytes(synthetic.video_bytes(21, seconds=1.0), "video")
    assert [f.number for f in result.vpdq] == [0, 3, 6, 9]


def test_video_keyframes_are_blurred():
    data = synthetic.video_bytes(22, seconds=1.0, size=(320, 240))
    grid = Image.open(io.BytesIO(process_bytes(data, "video").preview))
    assert grid.size == (previews.KEYFRAME_EDGE, previews.KEYFRAME_EDGE)
    tile = grid.crop((0, 20, 160, 140))  # the 160x120 keyframe, centred in its square
    frame = synthetic.picture(22, (320, 240)).convert("L").resize(tile.size)
    assert steepest_step(frame) > 50  # the shapes' hard edges
    assert steepest_step(tile) < steepest_step(frame) / 3


def test_undecodable_image_raises():
    with pytest.raises(UnidentifiedImageError):
        process_bytes(b"not an image at all", "image")
