"""Inspecting uploaded files before anything is stored: what they really are, and refusing
the hostile ones (decompression bombs, truncated or mislabelled files, oversized metadata).

Two steps, so that a request's cost can be weighed before any of it is paid: declare() reads
only headers and walks the file's structure (no pixel is decoded); verify() then decodes
every frame.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from PIL import Image, ImageFile, ImageSequence

from reports.image_layout import LayoutError, layout
from reports.previews import KEYFRAMES_SCANNED
from reports.video_layout import non_media_bytes

# Truncated images must fail loudly, never be padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic"}
VIDEO_CONTAINERS = {"video/mp4", "video/quicktime", "video/webm", "video/x-matroska"}
MAX_METADATA_BYTES = 1024 * 1024


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "image" or "video"
    content_type: str
    width: int
    height: int
    frames: int = 1  # an animation's frames; for a video, the keyframes processing decodes

    @property
    def pixels(self) -> int:
        """The pixels decoding this file costs, as its headers declare them."""
        return self.width * self.height * self.frames


class MediaRefused(Exception):
    """A file Casework will not take; status is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def sniff(data: bytes) -> str | None:
    """The content type the bytes say, whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in data[:64] else "video/x-matroska"
    return None


def inspect(data: bytes, filename: str) -> MediaInfo:
    """Check one uploaded file thoroughly; raise MediaRefused naming the problem."""
    info = declare(data, filename)
    verify(data, info)
    return info


def declare(data: bytes, filename: str) -> MediaInfo:
    """What the file says it is, from its headers and structure alone; raise MediaRefused for
    a file refused without decoding it (type, size, declared pixels, frames, metadata)."""
    if not data:
        raise MediaRefused(422, "the file is empty")
    limit = settings.INTAKE_MAX_MEDIA_BYTES
    if len(data) > limit:
        raise MediaRefused(413, f"the file is {len(data)} bytes, over the limit of {limit}")
    content_type = sniff(data)
    if content_type is None:
        suffix = PurePath(filename).suffix.lower()
        if suffix in IMAGE_EXTENSIONS:
            raise MediaRefused(415, f"named {suffix} but its bytes are not a supported image")
        raise MediaRefused(
            415, "unsupported file type (Casework takes JPEG, PNG, GIF, WebP, MP4, MOV, WebM)"
        )
    if content_type in VIDEO_CONTAINERS:
        return _declare_video(data, content_type)
    return _declare_image(data, content_type)


def verify(data: bytes, info: MediaInfo) -> None:
    """Decode every frame of a declared file; raise MediaRefused if it does not decode."""
    if info.kind == "video":
        _verify_video(data)
    else:
        _verify_image(data, info)


def _check_pixels(width: int, height: int, what: str) -> None:
    """what: "the image declares", "the video's frames declare"."""
    max_pixels = settings.INTAKE_MAX_IMAGE_PIXELS
    if width * height > max_pixels:
        raise MediaRefused(
            422,
            f"{what} {width}x{height} pixels, over the limit of {max_pixels} (decompression bomb)",
        )


@contextlib.contextmanager
def _image_errors() -> Iterator[None]:
    """Pillow's ways of saying a file is hostile or broken, as MediaRefused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except MediaRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused(422, f"decompression bomb: {exc}") from exc
    except ValueError as exc:
        if "too large" in str(exc):  # Pillow's limit on compressed text/metadata chunks
            raise MediaRefused(422, f"the image carries oversized metadata ({exc})") from exc
        raise MediaRefused(422, f"the image is truncated or corrupt ({exc})") from exc
    except (OSError, SyntaxError, EOFError) as exc:
        # Pillow reports truncation, bad chunks and oversized text chunks this way.
        raise MediaRefused(422, f"the image is truncated or corrupt ({exc})") from exc


def _declare_image(data: bytes, content_type: str) -> MediaInfo:
    with _image_errors(), Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        _check_pixels(width, height, "the image declares")
        if IMAGE_TYPES.get(image.format or "") != content_type:
            raise MediaRefused(415, f"the bytes look like {content_type} but do not decode as it")
    try:
        structure = layout(data, content_type)
    except LayoutError as exc:
        raise MediaRefused(422, f"the image is truncated or corrupt ({exc})") from exc
    if structure.non_pixel_bytes > MAX_METADATA_BYTES:
        raise MediaRefused(
            422,
            f"the image carries {structure.non_pixel_bytes} bytes besides its pixels "
            f"(metadata, private chunks or trailing data), over {MAX_METADATA_BYTES}",
        )
    max_frames = settings.INTAKE_MAX_FRAMES
    if structure.frames > max_frames:
        raise MediaRefused(
            422, f"the animation has {structure.frames} frames, over the limit of {max_frames}"
        )
    return MediaInfo("image", content_type, width, height, structure.frames)


def _verify_image(data: bytes, info: MediaInfo) -> None:
    with _image_errors(), Image.open(io.BytesIO(data)) as image:
        decoded = 0
        for frame in ImageSequence.Iterator(image):
            frame.load()
            decoded += 1
            if decoded > info.frames:
                break
        # Pillow reads text chunks after the pixels only once it has decoded them.
        metadata = sum(len(v) for v in image.info.values() if isinstance(v, bytes | str))
    if metadata > MAX_METADATA_BYTES:
        raise MediaRefused(
            422, f"the image carries {metadata} bytes of metadata, over {MAX_METADATA_BYTES}"
        )
    if decoded != info.frames:
        raise MediaRefused(
            422,
            f"the image is truncated or corrupt ({decoded} frames decode of the "
            f"{info.frames} it holds)",
        )


def _declare_video(data: bytes, content_type: str) -> MediaInfo:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise MediaRefused(415, "the file is a media container without a video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            _check_pixels(width, height, "the video's frames declare")
            keyframes = 0
            for packet in container.demux(stream):  # reads packets; decodes nothing
                keyframes += packet.is_keyframe
                if keyframes >= KEYFRAMES_SCANNED:
                    break
        metadata = non_media_bytes(data, content_type)
    except LayoutError as exc:
        raise MediaRefused(422, f"the video is truncated or corrupt ({exc})") from exc
    except MediaRefused:
        raise
    except (av.FFmpegError, ValueError, IndexError) as exc:
        raise MediaRefused(422, f"the video is truncated or corrupt ({exc})") from exc
    if metadata > MAX_METADATA_BYTES:
        raise MediaRefused(
            422,
            f"the video carries {metadata} bytes besides its media data and index "
            f"(metadata, attachments, free space or trailing data), over {MAX_METADATA_BYTES}",
        )
    return MediaInfo("video", content_type, width, height, max(1, keyframes))


def _verify_video(data: bytes) -> None:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            next(container.decode(stream))  # at least one frame must decode
    except (av.FFmpegError, StopIteration, ValueError, IndexError) as exc:
        raise MediaRefused(422, f"the video is truncated or corrupt ({exc})") from exc
