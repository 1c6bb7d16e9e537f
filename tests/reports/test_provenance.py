"""AI-generation provenance: C2PA manifests and IPTC DigitalSourceType in XMP, as signals."""

from __future__ import annotations

import io

import pytest

from reports import synthetic
from reports.media import inspect
from reports.provenance import read_provenance
from tests.c2pa_signing import sign_jpeg

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
    b' Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
    b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
)


def test_c2pa_manifest_marks_ai_generated():
    signed = sign_jpeg(synthetic.image_bytes(51))
    assert inspect(signed, "gen.jpg").content_type == "image/jpeg"  # intake takes it
    found = read_provenance(signed, "image/jpeg")
    assert found["ai_generated"] is True
    assert found["c2pa"]["claim_generator"] == "casework-test-generator"
    assert found["c2pa"]["digital_source_types"] == ["trainedAlgorithmicMedia"]
    assert found["c2pa"]["signed_by"] == "Casework tests"


def test_c2pa_manifest_of_a_camera_capture_is_not_ai():
    signed = sign_jpeg(
        synthetic.image_bytes(52),
        "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
    )
    found = read_provenance(signed, "image/jpeg")
    assert found["ai_generated"] is False
    assert found["c2pa"]["digital_source_types"] == ["digitalCapture"]


def test_xmp_digital_source_type_marks_ai_generated():
    out = io.BytesIO()
    synthetic.picture(53).save(out, format="JPEG", xmp=XMP)
    found = read_provenance(out.getvalue(), "image/jpeg")
    assert found == {
        "c2pa": None,
        "xmp_digital_source_types": ["trainedAlgorithmicMedia"],
        "ai_generated": True,
    }


@pytest.mark.parametrize("fmt,content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_no_marker_is_no_signal(fmt, content_type):
    found = read_provenance(synthetic.image_bytes(54, fmt), content_type)
    assert found == {"c2pa": None, "xmp_digital_source_types": [], "ai_generated": False}


@pytest.mark.django_db
def test_case_page_shows_the_signal_and_its_limits():
    from casework import roles
    from casework.cases import filing
    from reports.models import Media, Platform, Report
    from tests.helpers import make_user, signed_in

    platform = Platform.objects.create(name="p")
    made = []
    for n, provenance in enumerate(
        [read_provenance(sign_jpeg(synthetic.image_bytes(55)), "image/jpeg"), {}]
    ):
        report = Report.objects.create(
            platform=platform,
            source="api",
            external_id=f"p{n}",
            reason="csam_ai_generated",
            reported_at="2026-11-01T00:00Z",
            raw_payload={},
            status="processed",
            child_in_imminent_danger=n == 0,
        )
        Media.objects.create(
            report=report,
            position=0,
            filename="a.jpg",
            kind="image",
            content_type="image/jpeg",
            size=1,
            width=1,
            height=1,
            vault_name=f"pv{n}",
            key_id="k",
            status="processed",
            sha256=f"{n:064x}",
            provenance=provenance,
        )
        made.append(filing.file_report(report.pk))
    client = signed_in(make_user("rev", roles.REVIEWER))
    assert client.post("/queues/csam-ai/next")["Location"] == f"/cases/{made[0].pk}/"
    page = client.get(f"/cases/{made[0].pk}/").content.decode()
    assert "marked AI-generated (C2PA manifest by casework-test-generator" in page
    assert 'value="generativeAi" checked' in page
    page = client.get(f"/cases/{made[1].pk}/").content.decode()
    assert "does not show the image is a real photograph" in page
    assert 'value="generativeAi" checked' not in page
