"""The case page makes a fixed number of queries whatever the case holds: its reports, their
uploaders, media and earlier reports are each read once, not once per report."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import roles
from casework.cases import filing
from tests.helpers import make_user, signed_in, stored_image

pytestmark = pytest.mark.django_db

MAX_QUERIES = 18  # 15, the viewer's view settings, and preservation (holds, settled date)


def case_of(n_reports: int, seed: int):
    case = None
    for n in range(n_reports):
        uploader = {"id": f"u-{seed}-{n}", "email": f"u{n}@example.test", "ip": "192.0.2.7"}
        media, _ = stored_image(seed, f"ext-{seed}-{n}", uploader=uploader)
        case = filing.file_report(media.report_id)
    return case


def queries_of_page(client, case) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("role", [roles.REVIEWER, roles.ESCALATION_LEAD])
def test_the_case_page_reads_twenty_reports_in_as_many_queries_as_one(role):
    one, twenty = case_of(1, 71), case_of(20, 72)
    assert twenty.case_reports.count() == 20
    client = signed_in(make_user("queries", role))
    queries_of_page(client, one)  # warm the session and the content types
    small, large = queries_of_page(client, one), queries_of_page(client, twenty)
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= MAX_QUERIES, "\n".join(large)
    page = client.get(f"/cases/{twenty.pk}/").content.decode()
    assert all(f"· ext-72-{n}</h3>" in page for n in range(20))  # every report is shown
