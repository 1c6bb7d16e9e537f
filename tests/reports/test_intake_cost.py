"""What one request may cost: metadata counted over the whole file, every frame of an
animation decoded, and the pixels a report and a platform may ask the worker to decode."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from reports.models import Media, Report
from reports.sealed_fields import matching
from reports.tokens import create_intake_token
from tests.conftest import IntakeClient, media_item, report_document
from tests.reports import hostile_files
from tests.reports.test_hostile_media import assert_refused, png_declaring

pytestmark = pytest.mark.django_db

BIG = 7000 * 7000


@pytest.fixture(scope="module")
def big_png() -> bytes:
    return hostile_files.big_png()


@pytest.mark.parametrize(
    ("make", "filename"),
    [
        (hostile_files.png_with_exif_after_pixels, "exif-after-idat.png"),
        (hostile_files.png_with_xmp_after_pixels, "xmp-after-idat.png"),
        (hostile_files.jpeg_with_xmp, "xmp-segments.jpg"),
        (hostile_files.jpeg_with_app4, "app4-segments.jpg"),
        (hostile_files.png_with_private_chunk, "private-chunk.png"),
    ],
)
def test_metadata_anywhere_in_the_file_counts(intake, make, filename):
    assert_refused(intake, make(), filename, 422, "bytes besides its pixels")


def test_data_after_the_end_of_an_image_counts_as_metadata(intake):
    png = hostile_files.small_png() + b"\x00" * (2 * 1024 * 1024)
    assert_refused(intake, png, "trailing.png", 422, "bytes besides its pixels")


def test_a_truncated_animated_gif_is_refused(intake):
    data = hostile_files.truncated_gif()
    assert_refused(intake, data, "cut.gif", 422, "truncated or corrupt")


def test_a_gif_whose_later_frame_is_cut_is_refused_by_decoding_every_frame(intake):
    data = hostile_files.gif_cut_inside_a_frame()
    assert_refused(intake, data, "cut-frame.gif", 422, "truncated or corrupt")


def test_frames_over_the_limit_are_refused(intake, settings):
    settings.INTAKE_MAX_FRAMES = 20
    data = hostile_files.animated_gif(30)
    assert_refused(intake, data, "long.gif", 422, "30 frames, over the limit of 20")


def test_an_animated_gif_is_taken_and_costs_all_its_frames(intake):
    response = intake.post(
        report_document(media=[media_item(hostile_files.animated_gif(), "a.gif")])
    )
    assert response.status_code == 201, response.content
    assert Media.objects.get().content_type == "image/gif"
    assert Report.objects.get().pixels == 160 * 120 * 50


def test_twenty_big_images_in_one_report_are_refused_naming_the_files_over_budget(intake, big_png):
    document = report_document(media=[media_item(big_png, f"big{i}.png") for i in range(20)])
    started = time.monotonic()
    response = intake.post(document)
    assert response.status_code == 413, response.content
    errors = response.json()["errors"]
    # 5 x 49 MP fit in the 250 MP per report; the sixth on are named.
    assert [e["field"] for e in errors] == [f"media[{i}]" for i in range(5, 20)]
    assert f"declares {BIG} pixels" in errors[0]["message"]
    assert "over the limit of 250000000 pixels per report" in errors[0]["message"]
    assert time.monotonic() - started < 5  # weighed on headers: twenty decodes take ~10 s
    assert Report.objects.count() == 0


def test_the_request_budget_is_weighed_before_anything_is_decoded(intake):
    # Headers of 49 MP over broken pixel data: decoding any would name it truncated.
    bomb = png_declaring(7000, 7000)
    response = intake.post(report_document(media=[media_item(bomb, "x.png")] * 6))
    assert response.status_code == 413, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["media[5]"]


def test_a_report_within_the_budget_is_taken_with_its_pixels(intake, big_png):
    document = report_document(media=[media_item(big_png, f"big{i}.png") for i in range(5)])
    response = intake.post(document)
    assert response.status_code == 201, response.content
    assert Report.objects.get().pixels == 5 * BIG


def test_a_platform_over_its_window_budget_is_told_when_to_retry(intake, token, settings, big_png):
    settings.INTAKE_PLATFORM_MAX_PIXELS = 2 * BIG + 10
    settings.INTAKE_PLATFORM_WINDOW_SECONDS = 3600
    for n in range(2):
        response = intake.post(report_document(f"b-{n}", media=[media_item(big_png)]))
        assert response.status_code == 201, response.content
    first = Report.objects.get(matching(Report, "external_id_digest", "b-0"))
    Report.objects.filter(pk=first.pk).update(received_at=first.received_at - timedelta(hours=0.5))

    response = intake.post(report_document("b-2", media=[media_item(big_png)]))
    assert response.status_code == 429, response.content
    assert 1795 <= int(response["Retry-After"]) <= 1800  # when the first leaves the window
    error = response.json()["errors"][0]
    assert error["field"] == "media"
    assert f"over its limit of {2 * BIG + 10} pixels per 3600 s" in error["message"]
    assert Report.objects.count() == 2

    # A repeat of a report already taken still answers with it; reports without media pass.
    assert intake.post(report_document("b-1", media=[media_item(big_png)])).status_code == 200
    assert intake.post(report_document("no-media")).status_code == 201
    # Another platform has its own budget.
    other = IntakeClient(create_intake_token("elsewhere", created_by="system:test")[1])
    assert other.post(report_document("b-2", media=[media_item(big_png)])).status_code == 201

    Report.objects.filter(pk=first.pk).update(received_at=first.received_at - timedelta(hours=2))
    response = intake.post(report_document("b-2", media=[media_item(big_png)]))
    assert response.status_code == 201, response.content


def test_the_rate_limit_answer_is_documented(client):
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/reports"]["post"]["responses"]["429"]
    assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
