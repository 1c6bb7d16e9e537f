"""Previews in a reviewer's own style, made on request from the sealed original and kept in
this process's memory (a small LRU), so that a page of previews does not decode each
original again on every view."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from PIL import Image

from reports import vault
from reports.models import Media
from reports.previews import DEFAULT_STYLE, PreviewStyle, styled_preview

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
    style, and every video (its keyframe grid), get the stored preview as it is. MediaPurged
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
    if style == DEFAULT_STYLE or media.kind != Media.Kind.IMAGE:
        return vault.load(media.preview_vault_name)
    key = (media_id, style)
    found = _cached(key)
    if found is None:
        with Image.open(io.BytesIO(vault.load(media.vault_name))) as image:
            image.draft("RGB", (style.edge, style.edge))  # JPEG: decode at a fraction of size
            found = styled_preview(image, style.blur, style.greyscale, style.edge, style.filter)
        _remember(key, found)
    return found
