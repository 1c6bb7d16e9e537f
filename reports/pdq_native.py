"""PDQ without the pdqhash wrapper's float64 luma and full-plane filter.

pdqhash (the Python package) is a thin Cython wrapper around facebook/ThreatExchange's PDQ
C++. Its compute() makes the luma plane in numpy, in float64 with temporaries the size of
the image, then the C++ blurs the whole plane four times over: some 15 ms of a 1-megapixel
image on this project's 2-core machines. Here, for an image at least 128 pixels each way:

- the luma is Pillow's ("F": (299 R + 587 G + 114 B) / 1000 in float32), which differs
  from the reference C++'s fillFloatLumaFromRGB (0.299 R + 0.587 G + 0.114 B) by at most
  one float32 unit in the last place, and from the wrapper's float64 by no more;
- the blur, decimation to 64 x 64, DCT, quality and the 8 rotations and flips are the
  reference's as small matrix products (reports.pdq_matrices): about 4.5 ms in all.

A smaller image goes through the C++ the wheel exports (pdqDihedralHash256esFromFloatLuma,
called through ctypes), which costs next to nothing at that size. Video frames are hashed
by the reference C++ as the reference vPDQ hashes them (FrameHasher).

A hash bit can only move if a DCT coefficient sits within the rounding of the median, and
dihedral() declines any image where it could move more than MAX_DRIFT bits (the caller then
uses pdqhash). bench/media_processing.py reports the Hamming distance to pdqhash.compute on
every bench image (0 so far) and tests/reports/test_pdq_native.py bounds it at 2 on images
of every mode, size and orientation.

The symbols are looked up by their C++ mangled names, which encode every parameter type:
a pdqhash build whose functions take anything else has different names, the lookup fails,
and available() says so (the caller then uses pdqhash.compute_dihedral, same hashes,
slower); it cannot call a function with the wrong signature.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np
import pdqhash
from PIL import Image

from reports import pdq_matrices

_LUMA = "_ZN8facebook3pdq7hashing20fillFloatLumaFromRGBEPhS2_S2_iiiiPf"
# The one hash the reference vPDQ computes per frame (its PDQFrameBufferHasher).
_SINGLE = "_ZN8facebook3pdq7hashing23pdqHash256FromFloatLumaEPfS2_iiPA64_fS4_PA16_fRNS1_7Hash256ERi"
_DIHEDRAL = (
    "_ZN8facebook3pdq7hashing33pdqDihedralHash256esFromFloatLumaEPfS2_iiPA64_fS4_PA16_fS6_"
    "PNS1_7Hash256ES8_S8_S8_S8_S8_S8_S8_Ri"
)
ORIENTATIONS = 8
# The most hash bits the luma rounding may move before dihedral() declines (see _fragile).
MAX_DRIFT = 2
# How far the rounding can move a DCT coefficient from pdqhash's, with a margin: twice
# the largest difference measured (0.0095, over the bench and test images up to 4
# megapixels; the coefficients themselves run to hundreds). Most of it is the reference's
# own: its running sums along each row drift that far from exact arithmetic, where the
# matrix products stay within 0.0005.
COEFFICIENT_TOLERANCE = 0.02
# The sign patterns the 8 orientations apply to the 16x16 DCT (transposing only reorders
# it): as is, odd columns negated (flip X), odd rows (flip Y), both (rotate 180).
_ROWS, _COLUMNS = np.indices((16, 16))
_SIGNS = np.stack(
    [np.ones((16, 16)), (-1.0) ** _COLUMNS, (-1.0) ** _ROWS, (-1.0) ** (_ROWS + _COLUMNS)]
).astype(np.float32)


@functools.cache
def _single() -> object | None:
    try:
        single = getattr(ctypes.CDLL(pdqhash.bindings.__file__), _SINGLE)
    except (OSError, AttributeError):
        return None
    single.restype = None
    # luma (overwritten), scratch, rows, columns, the 64x64, 16x64 and 16x16 buffers,
    # the hash (Hash256&), quality (int&).
    single.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_int] * 2 + [ctypes.c_void_p] * 5
    return single


@functools.cache
def _functions() -> tuple | None:
    try:
        library = ctypes.CDLL(pdqhash.bindings.__file__)
        luma, dihedral = getattr(library, _LUMA), getattr(library, _DIHEDRAL)
    except (OSError, AttributeError):
        return None
    pointer, integer = ctypes.c_void_p, ctypes.c_int
    luma.restype = dihedral.restype = None
    # R, G, B base pointers, rows, columns, row stride, column stride, output.
    luma.argtypes = [pointer] * 3 + [integer] * 4 + [pointer]
    # luma (overwritten: the Jarosz filter works in place), scratch, rows, columns, the
    # 64x64, 16x64, 16x16 and auxiliary 16x16 buffers, 8 hashes, quality (int&).
    dihedral.argtypes = [pointer] * 2 + [integer] * 2 + [pointer] * 4 + [pointer] * 8 + [pointer]
    return luma, dihedral


def available() -> bool:
    """Whether the installed pdqhash exports the C++ functions this module calls."""
    return _functions() is not None and _single() is not None


class FrameHasher:
    """PDQ of video frames exactly as the reference vPDQ hashes them: the reference C++'s
    float32 luma (fillFloatLumaFromRGB) and its single hash (pdqHash256FromFloatLuma), on
    the full frame, with buffers kept from frame to frame of one size."""

    def __init__(self) -> None:
        functions, single = _functions(), _single()
        if functions is None or single is None:
            raise RuntimeError("this pdqhash build does not export the PDQ C++ functions")
        self._luma_of, self._hash_of = functions[0], single
        self._shape: tuple[int, int] | None = None
        self._small = [np.empty(s, dtype=np.float32) for s in ((64, 64), (16, 64), (16, 16))]
        self._words = np.zeros(16, dtype=np.uint16)
        self._quality = ctypes.c_int()

    def __call__(self, rgb: np.ndarray) -> tuple[str, int]:
        """(64 hex digits, quality 0-100) of packed RGB pixels (height x width x 3, uint8;
        rows may be padded, as a decoder's planes are)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or rgb.strides[1:] != (3, 1):
            raise ValueError(f"expected height x width x 3 packed RGB bytes, got {rgb.shape}")
        rows, columns = rgb.shape[:2]
        if self._shape != (rows, columns):
            self._shape = (rows, columns)
            self._luma = np.empty((rows, columns), dtype=np.float32)
            self._scratch = np.empty_like(self._luma)
        base = rgb.ctypes.data
        self._luma_of(
            base, base + 1, base + 2, rows, columns, rgb.strides[0], 3, self._luma.ctypes.data
        )
        self._hash_of(
            self._luma.ctypes.data,
            self._scratch.ctypes.data,
            rows,
            columns,
            *(buffer.ctypes.data for buffer in self._small),
            self._words.ctypes.data,
            ctypes.addressof(self._quality),
        )
        return self._words[::-1].astype(">u2").tobytes().hex(), int(self._quality.value)


def dihedral(rgb: np.ndarray | Image.Image) -> tuple[list[str], int] | None:
    """The 8 PDQ hashes (as is, rotated 90, 180, 270, flipped X, Y, +1, -1: pdqhash's
    order) as 64 hex digits, most significant bit first, and the quality (0-100), of an
    RGB image or packed RGB pixels (height x width x 3, uint8).

    None when the luma rounding could move more than MAX_DRIFT bits of a hash (flat,
    nearly flat or degenerate images, whose coefficients crowd the median): the caller
    then asks pdqhash, whose luma defines the stored hash.
    """
    functions = _functions()
    if functions is None:
        raise RuntimeError("this pdqhash build does not export the PDQ C++ functions")
    hash_of = functions[1]
    luma = _luma(rgb)
    rows, columns = luma.shape
    if min(rows, columns) >= pdq_matrices.MIN_SIDE:
        kept = pdq_matrices.downsample(luma)
        coefficients = pdq_matrices.dct(kept)
        if _fragile(coefficients):
            return None
        hashes = [pdq_matrices.hash_hex(c) for c in pdq_matrices.orientations(coefficients)]
        return hashes, pdq_matrices.quality(kept)
    luma = luma.copy()  # the reference filter works in place
    scratch = np.empty_like(luma)
    buffers = [
        np.empty(shape, dtype=np.float32) for shape in ((64, 64), (16, 64), (16, 16), (16, 16))
    ]
    # Hash256 is 16 uint16 words; word 15 holds the most significant bits (pdqhash's
    # hash_to_vector reads them in that order).
    words = np.zeros((ORIENTATIONS, 16), dtype=np.uint16)
    quality = ctypes.c_int()
    hash_of(
        luma.ctypes.data,
        scratch.ctypes.data,
        rows,
        columns,
        *(buffer.ctypes.data for buffer in buffers),
        *(words.ctypes.data + i * words.strides[0] for i in range(ORIENTATIONS)),
        ctypes.addressof(quality),
    )
    if _fragile(buffers[2]):
        return None
    big_endian = words[:, ::-1].astype(">u2")
    return [row.tobytes().hex() for row in big_endian], int(quality.value)


def _luma(rgb: np.ndarray | Image.Image) -> np.ndarray:
    """Pillow's float luma (its RGB to "F": (299 R + 587 G + 114 B) / 1000 in float32, in
    C over its own rows): within one float32 unit of the reference's, at under half its
    cost: rows x columns float32, possibly read-only."""
    if isinstance(rgb, Image.Image):
        if rgb.mode != "RGB":
            raise ValueError(f"expected an RGB image, got mode {rgb.mode}")
        image = rgb
    else:
        pixels = np.ascontiguousarray(rgb, dtype=np.uint8)
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"expected height x width x 3 RGB pixels, got shape {pixels.shape}")
        image = Image.fromarray(pixels)
    return np.asarray(image.convert("F"))


def _fragile(dct: np.ndarray) -> bool:
    """Whether moving every coefficient by up to COEFFICIENT_TOLERANCE could flip more
    than MAX_DRIFT bits of any orientation's hash.

    A bit is "coefficient > the median of the 256" (the lower median: 128 bits set when the
    values are distinct). Moving every coefficient by at most t moves the median by at most
    t, so only coefficients within 2t of the two middle values can change side, and while
    128 stay set they change side in pairs, one leaving the top half for each that enters
    it: at most twice the smaller of the two crowds. Ties near the middle break the pairing,
    so they count as fragile too. Each orientation's coefficients are the original's with a
    sign pattern applied (and transposed, which does not change which are above the median).
    """
    band = 2 * COEFFICIENT_TOLERANCE
    for signed in (_SIGNS * dct).reshape(len(_SIGNS), -1):
        ordered = np.sort(signed)
        low, high = ordered[127], ordered[128]
        below = np.count_nonzero((ordered >= low - band) & (ordered <= low))
        above = np.count_nonzero((ordered >= high) & (ordered <= high + band))
        near = ordered[(ordered >= low - band) & (ordered <= high + band)]
        if 2 * min(below, above) > MAX_DRIFT or np.any(np.diff(near) == 0):
            return True
    return False
