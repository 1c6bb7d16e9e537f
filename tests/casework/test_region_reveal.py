"""Revealing a region: POST .../reveal with region=x,y,w,h answers the original's pixels inside
that rectangle only, the rest filtered; audited with the region, never cached."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from casework import roles
from casework.cases import filing
from casework.models import AuditEvent
from reports import region_reveal, synthetic
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db

REGION = (100, 80, 200, 150)  # x, y, w, h in the 640×480 original


@pytest.fixture
def held_case():
    media, data = stored_image(43, "ext-43")
    case = filing.file_report(media.report_id)
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{case.pk}/"
    return client, case, media, data


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def test_only_the_region_is_unfiltered(held_case):
    client, case, media, original = held_case
    x, y, w, h = REGION
    response = client.post(
        f"/cases/{case.pk}/media/{media.pk}/reveal", {"region": ",".join(map(str, REGION))}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    answer, sharp = pixels(response.content), pixels(original)
    assert answer.shape == sharp.shape  # the original's size
    inside = np.abs(answer[y : y + h, x : x + w] - sharp[y : y + h, x : x + w]).mean()
    assert inside < 4  # the original's pixels, through one JPEG encoding
    outside = answer[:, x + w + 20 :]
    assert np.abs(outside - sharp[:, x + w + 20 :]).mean() > 15  # blurred away
    assert np.abs(outside[..., 0] - outside[..., 1]).max() <= 6  # and grey
    event = AuditEvent.objects.get(action="media.revealed")
    assert event.data == {"case": case.pk, "region": list(REGION)}


def test_without_region_the_whole_original_is_revealed(held_case):
    client, case, media, original = held_case
    assert client.post(f"/cases/{case.pk}/media/{media.pk}/reveal").content == original


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("1,2,3", "must be x,y,w,h"),
        ("-1,0,5,5", "must be x,y,w,h"),
        ("a,b,c,d", "must be x,y,w,h"),
        ("0,0,0,10", "at least one pixel"),
        ("600,0,41,10", "within the 640×480 original"),
        ("0,400,10,81", "within the 640×480 original"),
        ("9999999,0,1,1", "must be x,y,w,h"),
        ("\u00b2,0,1,1", "must be x,y,w,h"),  # a superscript two is a digit to str.isdigit
        ("\u0661,0,1,1", "must be x,y,w,h"),  # and to int(): an Arabic-Indic one
    ],
)
def test_a_region_that_does_not_fit_is_400_naming_it(held_case, region, message):
    client, case, media, _ = held_case
    response = client.post(f"/cases/{case.pk}/media/{media.pk}/reveal", {"region": region})
    assert response.status_code == 400
    assert response.content.decode().startswith("region: ")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="media.revealed").exists()


def test_only_the_holder_may_reveal_a_region(held_case):
    _, case, media, _ = held_case
    other = signed_in(make_user("rev2", roles.REVIEWER))
    response = other.post(f"/cases/{case.pk}/media/{media.pk}/reveal", {"region": "0,0,5,5"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="media.revealed").exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_large_original_is_answered_scaled_with_its_region(fmt):
    data = synthetic.image_bytes(44, fmt, size=(4100, 1200))
    region = region_reveal.parse_region("2050,600,1000,400", 4100, 1200)
    answer = Image.open(io.BytesIO(region_reveal.region_revealed(data, region)))
    assert max(answer.size) <= region_reveal.REGION_MAX_EDGE
    scale = answer.width / 4100
    sharp = Image.open(io.BytesIO(data)).convert("RGB").resize(answer.size, Image.Resampling.BOX)
    x, y = round(2050 * scale) + 2, round(600 * scale) + 2
    w, h = round(1000 * scale) - 4, round(400 * scale) - 4
    got, want = pixels_of(answer), pixels_of(sharp)
    assert np.abs(got[y : y + h, x : x + w] - want[y : y + h, x : x + w]).mean() < 6


def pixels_of(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_a_video_is_revealed_whole_not_by_region(held_case):
    from reports.models import Media

    client, case, media, _ = held_case
    Media.objects.filter(pk=media.pk).update(kind="video")
    response = client.post(f"/cases/{case.pk}/media/{media.pk}/reveal", {"region": "0,0,5,5"})
    assert response.status_code == 400
    assert "applies to images" in response.content.decode()
