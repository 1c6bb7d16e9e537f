"""Video playback on request: the original re-encoded for the browser, or a filtered,
low-resolution stream in the reviewer's preview style. Either is a VP8 WebM (every
Chromium plays it from a blob), silent unless the reviewer allows audio, made once and kept
encrypted in the vault under a name derived from the media item and the style, so the purge
can find and delete every copy without a table of them."""

from __future__ import annotations

import hashlib
import io
import itertools
from fractions import Fraction

from django.conf import settings
from PIL import Image

from reports import vault
from reports.models import Media
from reports.previews import BLUR_DIVISORS, PreviewStyle, styled_image

CONTENT_TYPE = "video/webm"
FILTERED_EDGE = 320  # a filtered stream is at most this on its long side
ORIGINAL_EDGE = 1280  # the unfiltered stream is never enlarged, only shrunk to this
MAX_FPS = 30
MAX_SECONDS = 15 * 60
VIDEO_BIT_RATE = {True: 300_000, False: 2_000_000}  # by filtered
FILTERS = ("blur", "pixelate", "reduced")


class NotAVideo(ValueError):
    pass


def _style_tag(style: PreviewStyle | None) -> str:
    if style is None:
        return "original"
    return f"{style.filter}-{style.blur}-{'grey' if style.greyscale else 'colour'}"


def cache_name(original: str, style: PreviewStyle | None, audio: bool) -> str:
    """The vault name of the stream, in this style, of the video whose original is stored
    under that vault name: not guessable without the secret key, and the same every time,
    so that the purge can compute it."""
    key = f"playback:{original}:{_style_tag(style)}:{'audio' if audio else 'silent'}"
    return hashlib.sha256(f"{key}:{settings.SECRET_KEY}".encode()).hexdigest()


def _every_style() -> list[PreviewStyle | None]:
    styles: list[PreviewStyle | None] = [None]
    for filter, blur, grey in itertools.product(FILTERS, BLUR_DIVISORS, (True, False)):
        styles.append(PreviewStyle(blur=blur, greyscale=grey, filter=filter))
    return styles


def forget(originals: set[str]) -> None:
    """Delete every cached stream of the videos stored under these vault names (their
    evidence is purged)."""
    for original in originals:
        for style, audio in itertools.product(_every_style(), (True, False)):
            vault.discard(cache_name(original, style, audio))


def stream_for(media_id: int, style: PreviewStyle | None, audio: bool) -> bytes:
    """The WebM of this video in this style (None: unfiltered), from the vault if made
    before; MediaPurged once its keeping has ended, NotAVideo for an image."""
    media = Media.objects.only("kind", "vault_name", "purged_at").get(pk=media_id)
    if media.purged_at is not None:
        raise vault.MediaPurged(media.pk, media.purged_at)
    if media.kind != Media.Kind.VIDEO:
        raise NotAVideo("playback is for videos; reveal an image")
    name = cache_name(media.vault_name, style, audio)
    if vault.exists(name):
        return vault.load(name)
    import av

    original = vault.load(media.vault_name)
    try:
        data = transcode(original, style, audio)
    except (av.error.FFmpegError, IndexError, ValueError) as broken:  # no video stream, corrupt
        raise NotAVideo(f"the video cannot be decoded for playback ({broken})") from broken
    vault.store(data, name=name)
    return data


def _even_size(width: int, height: int, edge: int) -> tuple[int, int]:
    scale = min(1.0, edge / max(width, height))
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)


def _styled(image: Image.Image, style: PreviewStyle | None) -> Image.Image:
    if style is None:
        return image
    styled = styled_image(image, style.blur, style.greyscale, max(image.size), style.filter)
    if styled.size != image.size:
        styled = styled.resize(image.size, Image.Resampling.BILINEAR)
    return styled.convert("RGB")


def transcode(data: bytes, style: PreviewStyle | None, audio: bool = False) -> bytes:
    """The video re-encoded as VP8 WebM: shrunk (FILTERED_EDGE when filtered), each frame
    in the style, at most MAX_SECONDS; its first audio track as Opus only if `audio`."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(data)) as source, av.open(out, mode="w", format="webm") as target:
        video_in = source.streams.video[0]
        rate = Fraction(video_in.average_rate or 12).limit_denominator(1001)
        rate = min(rate, Fraction(MAX_FPS))
        size = _even_size(
            video_in.codec_context.width,
            video_in.codec_context.height,
            FILTERED_EDGE if style else ORIGINAL_EDGE,
        )
        video_out = target.add_stream("libvpx", rate=rate)
        video_out.width, video_out.height = size
        video_out.pix_fmt = "yuv420p"
        video_out.bit_rate = VIDEO_BIT_RATE[style is not None]
        audio_in = source.streams.audio[0] if audio and source.streams.audio else None
        audio_out = target.add_stream("libopus", rate=48000) if audio_in else None
        wanted = [video_in] + ([audio_in] if audio_in else [])
        count, last = 0, int(MAX_SECONDS * rate)
        for packet in source.demux(*wanted):
            for frame in packet.decode():
                if packet.stream is video_in:
                    # A source faster than MAX_FPS: drop frames, so it plays at its own speed
                    # and a marked segment's times are the source's.
                    early = frame.time is not None and frame.time < count / rate - 1e-6
                    if count >= last or early:
                        continue
                    image = _styled(frame.reformat(*size, format="rgb24").to_image(), style)
                    encoded = av.VideoFrame.from_image(image)
                    encoded.pts, encoded.time_base = count, 1 / rate
                    count += 1
                    target.mux(video_out.encode(encoded))
                elif audio_out is not None and (frame.time or 0) < MAX_SECONDS:
                    frame.pts = None
                    target.mux(audio_out.encode(frame))
        target.mux(video_out.encode())
        if audio_out is not None:
            target.mux(audio_out.encode())
    return out.getvalue()
