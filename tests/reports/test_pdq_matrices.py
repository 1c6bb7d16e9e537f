"""reports.pdq_matrices (PDQ's blur, decimation and DCT as matrix products) against the
reference C++'s own 64 x 64 and 16 x 16 buffers for the same luma, and the hashes it gives
against pdqhash's for the image as it is and turned."""

from __future__ import annotations

import ctypes

import numpy as np
import pdqhash
import pytest
from PIL import Image

from reports import pdq_matrices, pdq_native
from tests.reports.test_pdq_native import grainy, hex_of


def reference_buffers(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The reference C++'s 64 x 64, 16 x 16 DCT and quality for a float32 luma plane."""
    hash_of = pdq_native._functions()[1]
    plane = np.array(luma, dtype=np.float32)
    scratch = np.empty_like(plane)
    buffers = [np.empty(s, np.float32) for s in ((64, 64), (16, 64), (16, 16), (16, 16))]
    words = np.zeros((8, 16), dtype=np.uint16)
    quality = ctypes.c_int()
    hash_of(
        plane.ctypes.data,
        scratch.ctypes.data,
        *plane.shape,
        *(b.ctypes.data for b in buffers),
        *(words.ctypes.data + i * words.strides[0] for i in range(8)),
        ctypes.addressof(quality),
    )
    return buffers[0], buffers[2], quality.value


@pytest.mark.parametrize("size", [(1155, 866), (128, 977), (700, 129), (2001, 1999), (333, 250)])
def test_the_products_give_the_reference_downsample_dct_and_quality(size):
    luma = np.asarray(grainy(sum(size), size).convert("F"))
    kept, coefficients, quality = reference_buffers(luma)
    ours = pdq_matrices.downsample(luma)
    assert np.abs(ours - kept).max() < 1e-3  # luma units, of 0-255
    assert np.abs(pdq_matrices.dct(ours) - coefficients).max() < pdq_native.COEFFICIENT_TOLERANCE
    assert pdq_matrices.quality(ours) == quality


def test_a_one_pixel_change_moves_only_the_samples_whose_window_holds_it():
    luma = np.zeros((500, 640), dtype=np.float32)
    luma[250, 320] = 255.0
    ours = pdq_matrices.downsample(luma)
    kept, _, _ = reference_buffers(luma)
    assert np.array_equal(ours != 0, np.abs(kept) > 1e-3)
    assert ours.sum() == pytest.approx(kept.sum(), rel=1e-4)


def test_every_orientation_is_pdqhashs_for_a_photo_like_image():
    image = grainy(40, (800, 600))
    hashes, quality = pdq_native.dihedral(image)
    variants, reference_quality = pdqhash.compute_dihedral(np.asarray(image))
    assert hashes == [hex_of(v) for v in variants]
    assert quality == reference_quality


def test_an_image_and_its_pixels_hash_alike():
    image = grainy(41, (640, 480))
    assert pdq_native.dihedral(image) == pdq_native.dihedral(np.asarray(image))


def test_only_rgb_images_are_taken():
    with pytest.raises(ValueError, match="RGB"):
        pdq_native.dihedral(Image.new("L", (200, 200)))
