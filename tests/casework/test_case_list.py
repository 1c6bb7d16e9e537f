"""A queue's case list: each filter narrows, keyset paging walks every row once, bad
input is a 400 naming the parameter, and reviewers see only what their role may work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import roles
from casework.cases import case_list, routing
from casework.models import AuditEvent, Case, Queue
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    routing.ensure_default_queues()
    return Queue.objects.get(slug="other")


def case(queue, **fields):
    fields.setdefault("deadline_at", timezone.now() + timedelta(hours=72))
    return Case.objects.create(queue=queue, **fields)


def listed(client, queue, **params) -> list[int]:
    response = client.get(f"/queues/{queue.slug}/", params)
    assert response.status_code == 200, response.content
    return [c.pk for c in response.context["listing"].rows]


@pytest.fixture
def lead_client():
    return signed_in(make_user("lead", roles.ESCALATION_LEAD))


def test_each_filter_narrows_to_the_cases_it_names(queue, lead_client):
    holder = make_user("rev", roles.REVIEWER)
    soon = timezone.now() + timedelta(minutes=5)
    plain = case(queue, source="api", reason="other", jurisdiction="US")
    breached = case(queue, deadline_at=timezone.now() - timedelta(hours=1))
    matched = case(queue, matched=True, matched_lists=["L1"])
    video = case(queue, has_video=True)
    ai = case(queue, ai_marker=True)
    held = case(queue, holder=holder, lease_expires_at=soon, status=Case.Status.IN_REVIEW)
    classifier = case(queue, source="classifier", reason="grooming", jurisdiction="DE")
    closed = case(queue, status=Case.Status.CLOSED)
    open_ids = {plain.pk, breached.pk, matched.pk, video.pk, ai.pk, held.pk, classifier.pk}

    assert set(listed(lead_client, queue)) == open_ids
    assert listed(lead_client, queue, breached="1") == [breached.pk]
    assert set(listed(lead_client, queue, breached="0")) == open_ids - {breached.pk}
    assert listed(lead_client, queue, matched="1") == [matched.pk]
    assert listed(lead_client, queue, video="1") == [video.pk]
    assert listed(lead_client, queue, ai="1") == [ai.pk]
    assert listed(lead_client, queue, holder="rev") == [held.pk]
    assert listed(lead_client, queue, status="in_review") == [held.pk]
    assert listed(lead_client, queue, status="closed") == [closed.pk]
    assert set(listed(lead_client, queue, status="all")) == open_ids | {closed.pk}
    assert listed(lead_client, queue, source="classifier") == [classifier.pk]
    assert listed(lead_client, queue, reason="grooming") == [classifier.pk]
    assert listed(lead_client, queue, jurisdiction="de") == [classifier.pk]
    assert listed(lead_client, queue, source="api", jurisdiction="US") == [plain.pk]
    response = lead_client.get(f"/queues/{queue.slug}/")
    assert response.context["listing"].count == len(open_ids)
    assert response.context["listing"].toggle_counts == {
        "breached": 1,
        "matched": 1,
        "video": 1,
        "ai": 1,
    }


@pytest.mark.parametrize("sort", ["priority", "oldest", "deadline"])
def test_keyset_paging_walks_every_row_exactly_once(queue, lead_client, monkeypatch, sort):
    monkeypatch.setattr(case_list, "PAGE_SIZE", 4)
    created = timezone.now() - timedelta(days=1)
    for n in range(23):
        c = case(queue, priority=[500, 100, 100, 0][n % 4])  # many ties in priority
        # equal creation times too, so the id alone must break ties
        Case.objects.filter(pk=c.pk).update(created_at=created + timedelta(minutes=n // 3))
    expected = list(
        case_list.filtered(queue, case_list.Filters())
        .order_by(
            *{
                "priority": ["-priority", "created_at", "id"],
                "oldest": ["created_at", "id"],
                "deadline": ["deadline_at", "id"],
            }[sort]
        )
        .values_list("pk", flat=True)
    )
    seen, after, pages = [], None, 0
    while True:
        params = {"sort": sort, **({"after": after} if after else {})}
        response = lead_client.get(f"/queues/{queue.slug}/", params)
        assert response.status_code == 200
        listing = response.context["listing"]
        seen += [c.pk for c in listing.rows]
        pages += 1
        if not listing.next_cursor:
            break
        assert re.fullmatch(r"[A-Za-z0-9_-]+", listing.next_cursor)
        after = listing.next_cursor
    assert seen == expected
    assert pages == 6


def test_the_list_pages_by_cursor_not_offset(queue, lead_client):
    for _ in range(3):
        case(queue)
    cursor = case_list.encode_cursor("priority", (0, timezone.now() - timedelta(days=9), 0))
    with CaptureQueriesContext(connection) as queries:
        lead_client.get(f"/queues/{queue.slug}/", {"after": cursor})
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "OFFSET" not in sql.upper()
    assert '("casework_case"."priority" * -1, "casework_case"."created_at"' in sql


@pytest.mark.parametrize(
    "params,name",
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "W10"}, "after"),  # base64 of []
        ({"after": case_list.encode_cursor("oldest", (timezone.now(), 1))}, "after"),
        ({"after": "WyJwcmlvcml0eSIsIngiLDEsMl0"}, "after"),  # a string for a number
        ({"status": "lost"}, "status"),
        ({"breached": "yes"}, "breached"),
        ({"matched": "2"}, "matched"),
        ({"source": "rumour"}, "source"),
        ({"reason": "nope"}, "reason"),
        ({"jurisdiction": "USA"}, "jurisdiction"),
        ({"sort": "random"}, "sort"),
    ],
)
def test_bad_cursor_or_filter_is_a_400_naming_it(queue, lead_client, params, name):
    case(queue)
    response = lead_client.get(f"/queues/{queue.slug}/", params)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{name}:")


def test_reviewers_see_no_holders_and_only_open_cases_of_their_queues(queue):
    reviewer = make_user("rev", roles.REVIEWER)
    other = make_user("hilda", roles.REVIEWER)
    held = case(queue, holder=other, lease_expires_at=timezone.now() + timedelta(minutes=9))
    client = signed_in(reviewer)
    response = client.get(f"/queues/{queue.slug}/")
    assert [c.pk for c in response.context["listing"].rows] == [held.pk]
    page = response.content.decode()
    assert "Held by" not in page and "Lease until" not in page and "hilda" not in page
    assert client.get(f"/queues/{queue.slug}/", {"holder": "hilda"}).status_code == 400
    assert client.get(f"/queues/{queue.slug}/", {"status": "closed"}).status_code == 400
    lead_page = signed_in(make_user("lead", roles.ESCALATION_LEAD)).get(f"/queues/{queue.slug}/")
    assert "Held by" in lead_page.content.decode() and "hilda" in lead_page.content.decode()

    leads_only = Queue.objects.create(slug="leads", name="Leads", roles=[roles.ESCALATION_LEAD])
    assert client.get("/queues/leads/").status_code == 403
    assert f"/queues/{leads_only.slug}/" not in client.get("/queues/").content.decode()
    auditor = signed_in(make_user("aud", roles.AUDITOR))
    assert auditor.get(f"/queues/{queue.slug}/").status_code == 403


def test_every_listing_is_audited_with_its_filters(queue, lead_client):
    case(queue)
    lead_client.get(f"/queues/{queue.slug}/", {"matched": "1", "source": "api"})
    event = AuditEvent.objects.filter(action="queue.listed").latest("id")
    assert event.actor == "user:lead"
    assert event.target == f"queue:{queue.slug}"
    assert event.data["filters"] == {"matched": "1", "source": "api"}


def test_rows_link_their_case_show_reasons_and_never_a_thumbnail(queue, lead_client):
    c = case(
        queue,
        priority=15_960,
        priority_reasons=[
            {"kind": "imminent_danger"},
            {"kind": "list_match", "list": "Known-B", "distance": 12},
            {"kind": "classifier", "score": 0.96},
            {"kind": "reports", "count": 2},
        ],
        matched=True,
        matched_lists=["Known-B"],
        deadline_at=timezone.now() - timedelta(minutes=1),
    )
    page = lead_client.get(f"/queues/{queue.slug}/").content.decode()
    assert f'href="/cases/{c.pk}/"' in page
    for phrase in (
        "child in imminent danger",
        "list Known-B matched at distance 12",
        "classifier score 0.96",
        "2 reports",
        "waiting",
        "breached",
    ):
        assert phrase in page
    assert "15960" not in page and "15,960" not in page
    assert "<img" not in page and "/preview" not in page


def test_counts_stop_at_the_bound(queue, lead_client, monkeypatch):
    monkeypatch.setattr(case_list, "COUNT_BOUND", 3)
    for _ in range(5):
        case(queue, matched=True)
    response = lead_client.get(f"/queues/{queue.slug}/")
    assert response.context["listing"].count == 4
    assert "3+ cases" in response.content.decode()
