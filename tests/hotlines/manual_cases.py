"""Cases as the manual-channel and routing tests need them: reports with a jurisdiction, a
content URL or none, decided CSAM-confirmed and approved."""

from __future__ import annotations

from casework.cases import filing
from casework.models import Case
from tests.helpers import stored_image
from tests.hotlines.escalations import approve

URL = "https://files.example.test/p/1234"


def filed_case(n: int, *, jurisdiction: str = "CA", url: str | None = URL, **fields) -> Case:
    return filed_with_media(n, jurisdiction=jurisdiction, url=url, **fields)[0]


def filed_with_media(n: int, *, jurisdiction: str = "CA", url: str | None = URL, **fields):
    content = {"url": url} if url else {}
    uploader = {"id": f"acct-m{n}", "screen_name": "someone"}
    media, _ = stored_image(
        n, f"man-{n}", jurisdiction=jurisdiction, content=content, uploader=uploader, **fields
    )
    return filing.file_report(media.report_id), media


def approved_manual_case(n: int = 1, **report_fields) -> Case:
    """A Canadian case whose content is at a URL: routed to the IWF and to Cybertip.ca."""
    case, media = filed_with_media(n, **report_fields)
    labels = {str(media.pk): {"industry": "A1", "iwf": "A", "annotations": []}}
    approve(case, n, media_labels=labels)
    case.refresh_from_db()
    return case
