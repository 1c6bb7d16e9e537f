"""No endpoint serves an unfiltered picture without a reveal event: every URL that takes a
media id is asked (GET and POST, with and without a region) by the reviewer holding the
case, in every view style; whatever image comes back is compared with the original, and
any answer that looks like it must have recorded `media.revealed` in the same request."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image, UnidentifiedImageError

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent, ViewSettings
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db

STYLES = [
    {},
    {"blur": "light", "greyscale": False, "preview_size": 512},
    {"filter": "pixelate", "greyscale": False, "preview_size": 512},
    {"filter": "reduced", "preview_size": 512},
]


def media_routes(resolver=None):
    """The names of every route with a media_id in its path."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace not in {"admin"}:
                yield from media_routes(entry)
        elif isinstance(entry, URLPattern) and entry.name and "media_id" in str(entry.pattern):
            yield entry.name


def url_for(name: str, case_id: int, media_id: int) -> str:
    params = get_resolver().reverse_dict.getlist(name)[0][0][0][1]
    return reverse(name, kwargs={k: {"case_id": case_id, "media_id": media_id}[k] for k in params})


def sharpness_like_original(answer: bytes, original: Image.Image) -> bool:
    """Whether the answer decodes to a picture within a few grey levels of the original at
    the same size: something a reviewer would see unfiltered."""
    try:
        got = Image.open(io.BytesIO(answer)).convert("RGB")
    except (UnidentifiedImageError, OSError):
        return False
    size = (128, 96)
    a = np.asarray(got.resize(size, Image.Resampling.BOX)).astype(int)
    b = np.asarray(original.convert("RGB").resize(size, Image.Resampling.BOX)).astype(int)
    # Fine detail too: a blur keeps the means but loses the edges
    edges = np.abs(np.diff(a, axis=1)).mean() / max(1.0, np.abs(np.diff(b, axis=1)).mean())
    return np.abs(a - b).mean() < 12 and edges > 0.6


def test_every_media_endpoint_answers_sharp_pixels_only_with_a_reveal_event():
    media, data = stored_image(91, "ext-91")
    original = Image.open(io.BytesIO(data))
    case = filing.file_report(media.report_id)
    reviewer = make_user("rev", roles.REVIEWER)
    client = signed_in(reviewer)
    client.post(f"/queues/{case.queue.slug}/next")
    names = sorted(set(media_routes()))
    assert {"media-preview", "media-reveal"} <= set(names)
    sharp_answers = 0
    for style in STYLES:
        ViewSettings.objects.update_or_create(user=reviewer, defaults=style)
        for name in names:
            url = url_for(name, case.pk, media.pk)
            for method, body in (("get", {}), ("post", {}), ("post", {"region": "0,0,320,240"})):
                before = AuditEvent.objects.filter(action="media.revealed").count()
                answer = getattr(client, method)(url, body)
                if answer.status_code != 200:
                    continue
                if sharpness_like_original(answer.content, original):
                    sharp_answers += 1
                    revealed = AuditEvent.objects.filter(action="media.revealed").count()
                    assert revealed == before + 1, (
                        f"{method.upper()} {url} {style}: sharp, unrecorded"
                    )
                    assert answer["Cache-Control"] == "no-store"
    assert sharp_answers >= len(STYLES)  # the whole reveal, in every style: the check can see
