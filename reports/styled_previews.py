"""Previews in a reviewer's own style, made on request from the sealed original and kept in
this process's memory (a small LRU), so that a page of previews does not decode each
original again on every view."""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from dataclasses import replace

from PIL import Image

from reports import processing, vault
from reports.models import Media
from reports.previews import (
    DEFAULT_STYLE,
    MAX_KEYFRAMES,
    PreviewStyle,
    keyframe_grid,
    styled_preview,
)

CACHE_SIZE = 64

_cache: OrderedDict[tuple[int, PreviewStyle], bytes] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple[int, PreviewStyle]) -> bytes | None:
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
        return found


def _remember(key: tuple[int, PreviewStyle], data: bytes) -> None:
    with _lock:
        _cache[key] = data
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def forget(media_ids: set[int]) -> None:
    """Drop these media's styled previews (purged: nothing of their bytes may stay). Other
    processes' caches are not reached; preview_for checks the row before its cache."""
    with _lock:
        for key in [k for k in _cache if k[0] in media_ids]:
            del _cache[key]


def preview_for(media_id: int, style: PreviewStyle) -> bytes | None:
    """The preview of a media item in this style, or None if it has none (yet). The default
    style gets the stored preview as it is, and a video its stored keyframe grid unless the
    style asks for another number of keyframes (then a grid made from the video, kept). MediaPurged
    once its bytes are gone."""
    media = (
        Media.objects.filter(pk=media_id)
        .only("kind", "vault_name", "preview_vault_name", "purged_at")
        .first()
    )
    if media is not None and media.purged_at is not None:
        forget({media_id})
        raise vault.MediaPurged(media_id, media.purged_at)
    if media is None or not media.preview_vault_name:
        return None
    if media.kind != Media.Kind.IMAGE:
        return _keyframe_grid(media, style.keyframes)
    if style == replace(DEFAULT_STYLE, keyframes=style.keyframes):
        return vault.load(media.preview_vault_name)
    key = (media_id, replace(style, keyframes=MAX_KEYFRAMES))  # an image has no keyframes
    found = _cached(key)
    if found is None:
        with Image.open(io.BytesIO(vault.load(media.vault_name))) as image:
            image.draft("RGB", (style.edge, style.edge))  # JPEG: decode at a fraction of size
            found = styled_preview(image, style.blur, style.greyscale, style.edge, style.filter)
        _remember(key, found)
    return found


def _keyframe_grid(media: Media, keyframes: int) -> bytes:
    """The stored grid (MAX_KEYFRAMES), or one of another density made from the video."""
    if keyframes == MAX_KEYFRAMES:
        return vault.load(media.preview_vault_name)
    key = (media.pk, replace(DEFAULT_STYLE, keyframes=keyframes))
    found = _cached(key)
    if found is None:
        frames = processing.keyframes(vault.load(media.vault_name), keyframes)
        found = keyframe_grid(frames, columns=math.ceil(math.sqrt(keyframes)))  # a square
        _remember(key, found)
    return found
