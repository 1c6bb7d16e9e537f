"""reports.pdq_native (the reference C++ called without pdqhash's numpy luma) against
pdqhash.compute and compute_dihedral: within Hamming distance 2 in all 8 orientations and
quality within 2, on images of many sizes, orientations and modes, decoded the way
process_bytes decodes them."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from PIL import Image

from reports import hashing, pdq_native, synthetic
from reports.processing import decode_rgb, process_bytes

MAX_DISTANCE = 2
MAX_QUALITY_DRIFT = 2


def hex_of(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def grainy(seed: int, size: tuple[int, int]) -> Image.Image:
    pixels = np.asarray(synthetic.picture(seed, size), dtype=np.int16)
    grain = np.random.default_rng(seed).integers(-30, 31, pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")


def sixteen_bit_png(seed: int, size: tuple[int, int]) -> bytes:
    grey = np.asarray(synthetic.picture(seed, size).convert("L"), dtype=np.uint16) * 257
    return encoded(Image.fromarray(grey.astype("<u2")), "PNG")


FILES = {
    "rgb-jpeg-1mp": lambda: encoded(grainy(1, (1155, 866)), "JPEG", quality=90),
    "rgb-png-portrait": lambda: encoded(synthetic.picture(2, (480, 900)), "PNG"),
    "rgb-jpeg-rotated": lambda: encoded(
        grainy(3, (640, 480)).transpose(Image.Transpose.ROTATE_90), "JPEG", quality=85
    ),
    "rgb-png-transposed": lambda: encoded(
        synthetic.picture(4, (700, 300)).transpose(Image.Transpose.TRANSPOSE), "PNG"
    ),
    "rgb-jpeg-2mp": lambda: encoded(synthetic.picture(5, (1920, 1080)), "JPEG", quality=90),
    "grey-jpeg": lambda: encoded(grainy(6, (500, 400)).convert("L"), "JPEG"),
    "grey-png-small": lambda: encoded(synthetic.picture(7, (90, 70)).convert("L"), "PNG"),
    "rgba-png": lambda: encoded(grainy(8, (400, 300)).convert("RGBA"), "PNG"),
    "palette-png": lambda: encoded(synthetic.picture(9, (600, 450)).convert("P"), "PNG"),
    "palette-gif": lambda: synthetic.image_bytes(10, "GIF"),
    "cmyk-jpeg": lambda: encoded(grainy(11, (640, 480)).convert("CMYK"), "JPEG", quality=90),
    "sixteen-bit-png": lambda: sixteen_bit_png(12, (640, 480)),
    "tiny-png": lambda: encoded(synthetic.picture(13).resize((17, 9)), "PNG"),
    "thin-strip-png": lambda: encoded(synthetic.picture(14).resize((1000, 8)), "PNG"),
}


@pytest.fixture(params=sorted(FILES))
def pixels(request) -> np.ndarray:
    return np.asarray(decode_rgb(FILES[request.param]()))


def test_the_installed_pdqhash_exports_the_reference_functions():
    # Without them every image silently takes the slower wrapper; fail loudly instead.
    assert pdq_native.available()


def test_hash_and_quality_are_within_the_bound_of_pdqhash(pixels):
    hashes, quality = hashing.pdq_dihedral(pixels)
    bits, reference_quality = pdqhash.compute(pixels)
    assert distance(hashes[0], hex_of(bits)) <= MAX_DISTANCE
    assert abs(quality - int(reference_quality)) <= MAX_QUALITY_DRIFT


def test_every_orientation_is_within_the_bound_of_pdqhash(pixels):
    hashes, _ = hashing.pdq_dihedral(pixels)
    variants, _ = pdqhash.compute_dihedral(pixels)
    assert len(hashes) == 8
    for ours, reference in zip(hashes, variants, strict=True):
        assert distance(ours, hex_of(reference)) <= MAX_DISTANCE


def test_photo_like_images_take_the_native_path():
    for seed in range(30, 36):
        assert pdq_native.dihedral(np.asarray(grainy(seed, (640, 480)))) is not None


DEGENERATE = {
    "flat": lambda: np.full((480, 640, 3), 128, dtype=np.uint8),
    "gradient": lambda: np.repeat(
        np.linspace(0, 255, 640, dtype=np.float32).astype(np.uint8)[None, :, None], 480, 0
    ).repeat(3, 2),
    "thin-strip": lambda: np.asarray(decode_rgb(FILES["thin-strip-png"]())),
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_images_get_exactly_the_wrappers_hashes(name):
    # Their coefficients crowd the median, so the luma rounding alone moves many bits
    # (10 for the thin strip): the native path must decline them.
    pixels = np.ascontiguousarray(DEGENERATE[name]())
    assert pdq_native.dihedral(pixels) is None
    hashes, quality = hashing.pdq_dihedral(pixels)
    variants, reference_quality = pdqhash.compute_dihedral(pixels)
    assert hashes == [hex_of(bits) for bits in variants]
    assert quality == int(reference_quality)


def test_orientations_are_the_hashes_of_the_turned_image():
    image = grainy(20, (640, 480))
    hashes, _ = pdq_native.dihedral(np.asarray(image))
    turned, _ = pdq_native.dihedral(np.asarray(image.transpose(Image.Transpose.ROTATE_90)))
    original = np.asarray(image)
    assert min(distance(turned[0], h) for h in hashes[1:]) <= 16
    assert distance(turned[0], hashes[0]) > 64  # the bound above is not met by anything
    assert hashes[0] == pdq_native.dihedral(original.copy())[0][0]  # deterministic


def test_different_images_are_far_apart():
    first, _ = pdq_native.dihedral(np.asarray(grainy(21, (400, 300))))
    second, _ = pdq_native.dihedral(np.asarray(grainy(22, (400, 300))))
    assert distance(first[0], second[0]) > 32


def test_process_bytes_stores_the_native_hashes():
    data = FILES["rgb-jpeg-1mp"]()
    result = process_bytes(data, "image")
    hashes, quality = pdq_native.dihedral(np.asarray(decode_rgb(data))) or ([], None)
    assert (result.pdq, result.pdq_quality, result.pdq_dihedral) == (hashes[0], quality, hashes)


def test_without_the_exports_the_wrapper_gives_the_hashes(monkeypatch):
    pixels = np.asarray(grainy(23, (320, 240)))
    monkeypatch.setattr(pdq_native, "available", lambda: False)
    hashes, quality = hashing.pdq_dihedral(pixels)
    variants, reference_quality = pdqhash.compute_dihedral(pixels)
    assert hashes == [hex_of(bits) for bits in variants]
    assert quality == int(reference_quality)


def test_rejects_pixels_that_are_not_rgb():
    with pytest.raises(ValueError):
        pdq_native.dihedral(np.zeros((10, 10), dtype=np.uint8))
