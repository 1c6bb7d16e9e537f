"""Breaks, caps and opt-outs: active CSAM review counted from the case page's heartbeats, a
break proposed after an hour (taken or put off, both counted and audited), a lead's daily cap
refusing CSAM claims (other queues still work), and opt-outs honoured by claiming, also when
reviewers claim at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from casework import roles
from casework.cases import claims, filing
from casework.cases.errors import CaseActionRefused
from casework.models import AuditEvent, Case, Queue, ReviewDay, ReviewLimits, SupportResource
from casework.wellbeing import activity, limits
from reports.models import HashEntry, HashList, Media, MediaMatch
from tests.casework.test_cases import make_report
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)


def csam_case(n: int, *, kind: str = "image", category: str = "") -> Case:
    report = make_report(n, sha256s=[f"{n:064x}"])
    if kind != "image":
        Media.objects.filter(report=report).update(kind=kind)
    if category:
        hash_list, _ = HashList.objects.get_or_create(
            name=f"list-{category}", defaults={"default_category": category}
        )
        entry = HashEntry.objects.create(hash_list=hash_list, kind="sha256", value=f"{n:064x}")
        MediaMatch.objects.create(media=report.media.get(), entry=entry, distance=0)
    return filing.file_report(report.pk)


def csam_queue() -> Queue:
    csam_case(999)  # files the default queues too
    return Queue.objects.get(slug="csam")


def minutes_of_heartbeats(user, queue, minutes: int, start=T0) -> dt.datetime:
    at = start
    for _ in range(minutes):
        at += dt.timedelta(seconds=60)
        activity.count_heartbeat(user, queue, now=at)
    return at


def test_heartbeats_count_csam_review_only_and_never_more_than_a_minute_each():
    rhea = make_user("rhea", roles.REVIEWER)
    queue = csam_queue()
    other = Queue.objects.get(slug="other")
    minutes_of_heartbeats(rhea, queue, 3)
    activity.count_heartbeat(rhea, other, now=T0 + dt.timedelta(minutes=4))
    # after half an hour idle, one heartbeat counts one minute, not thirty
    activity.count_heartbeat(rhea, queue, now=T0 + dt.timedelta(minutes=33))
    activity.count_heartbeat(rhea, queue, now=T0 + dt.timedelta(minutes=33, seconds=20))
    row = ReviewDay.objects.get(user=rhea)
    assert row.active_seconds == 3 * 60 + 60 + 20


def test_a_lease_renewal_on_a_csam_case_is_a_heartbeat():
    rhea = make_user("rhea", roles.REVIEWER)
    case = csam_case(1)
    client = signed_in(rhea)
    client.post("/queues/csam/next")
    assert client.post(f"/cases/{case.pk}/lease").status_code == 200
    assert ReviewDay.objects.get(user=rhea).active_seconds == 60


def test_a_break_is_proposed_after_an_hour_then_taken_or_put_off(settings):
    rhea = make_user("rhea", roles.REVIEWER)
    queue = csam_queue()
    at = minutes_of_heartbeats(rhea, queue, 59)
    assert not activity.status_of(rhea, now=at).break_due
    at = minutes_of_heartbeats(rhea, queue, 1, start=at)
    assert activity.status_of(rhea, now=at).break_due

    activity.dismiss_break(rhea, now=at)
    assert not activity.status_of(rhea, now=at + dt.timedelta(minutes=14)).break_due
    assert activity.status_of(rhea, now=at + dt.timedelta(minutes=15)).break_due
    event = AuditEvent.objects.get(action="wellbeing.break_dismissed")
    assert event.data == {"dismissed_today": 1, "since_break_minutes": 60}

    until = activity.take_break(rhea, now=at + dt.timedelta(minutes=15))
    assert until == at + dt.timedelta(minutes=25)
    state = activity.status_of(rhea, now=at + dt.timedelta(minutes=16))
    assert state.on_break_until == until and not state.break_due
    row = ReviewDay.objects.get(user=rhea)
    assert (row.breaks_taken, row.breaks_dismissed, row.since_break_seconds) == (1, 1, 0)
    assert AuditEvent.objects.filter(action="wellbeing.break_taken").count() == 1


def test_the_pages_show_the_break_prompt_and_its_buttons_work():
    rhea = make_user("rhea", roles.REVIEWER)
    queue = csam_queue()
    minutes_of_heartbeats(rhea, queue, 60, start=timezone.now() - dt.timedelta(minutes=61))
    client = signed_in(rhea)
    assert b"Time for a break" in client.get("/queues/").content
    answer = client.post("/wellbeing/break/dismiss", {"next": "/queues/"})
    assert answer.status_code == 302 and answer["Location"] == "/queues/"
    assert b"Time for a break" not in client.get("/queues/").content
    answer = client.post("/wellbeing/break", {"next": "https://elsewhere.example/"})
    assert answer["Location"] == "/queues/"  # never off the site
    assert b"On a break" in client.get("/queues/").content


def test_a_daily_cap_refuses_csam_claims_but_not_other_queues():
    lead = make_user("lena", roles.ESCALATION_LEAD)
    rhea = make_user("rhea", roles.REVIEWER)
    queue = csam_queue()
    other_case = filing.file_report(make_report(50, reason="spam").pk)
    assert other_case.queue.slug == "other"
    csam_case(51)
    assert signed_in(lead).post("/wellbeing/team/cap", {"minutes": "30"}).status_code == 302
    held = claims.claim_next_case(user=rhea, queue=queue)
    minutes_of_heartbeats(rhea, queue, 30, start=timezone.now() - dt.timedelta(minutes=31))
    # the case in hand is still given back, to be finished; nothing new is
    assert claims.claim_next_case(user=rhea, queue=queue) == held
    claims.release_case(case_id=held.pk, user=rhea)
    with pytest.raises(CaseActionRefused, match="limit of 30 minutes"):
        claims.claim_next_case(user=rhea, queue=queue)
    client = signed_in(rhea)
    refused = client.post("/queues/csam/next", follow=True)
    assert b"limit of 30 minutes of CSAM review" in refused.content
    assert claims.claim_next_case(user=rhea, queue=other_case.queue) == other_case
    event = AuditEvent.objects.get(action="review_limits.cap_changed")
    assert (event.actor, event.target, event.data["new"]) == (
        "user:lena",
        "team",
        {"daily_cap_minutes": 30},
    )


def test_a_reviewers_own_cap_beats_the_teams_and_bad_caps_are_400():
    lead = make_user("lena", roles.ESCALATION_LEAD)
    rhea = make_user("rhea", roles.REVIEWER)
    client = signed_in(lead)
    client.post("/wellbeing/team/cap", {"minutes": "30"})
    client.post("/wellbeing/team/cap", {"minutes": "90", "reviewer": "rhea"})
    assert limits.rules_for(rhea).cap_minutes == 90
    assert limits.rules_for(make_user("otto", roles.REVIEWER)).cap_minutes == 30
    for bad, field in (({"minutes": "0"}, "minutes"), ({"minutes": "x"}, "minutes"),
                       ({"minutes": "5", "reviewer": "nobody"}, "reviewer")):  # fmt: skip
        answer = client.post("/wellbeing/team/cap", bad)
        assert answer.status_code == 400 and answer.json()["field"] == field
    assert signed_in(rhea).post("/wellbeing/team/cap", {"minutes": "999"}).status_code == 403
    assert ReviewLimits.objects.get(user=None).daily_cap_minutes == 30


def test_opt_outs_are_honoured_by_claiming():
    rhea = make_user("rhea", roles.REVIEWER)
    queue = csam_queue()
    Case.objects.filter(queue=queue).update(status=Case.Status.CLOSED)
    video = csam_case(2, kind="video")
    category_a = csam_case(3, category="A1")
    plain = csam_case(4)
    client = signed_in(rhea)
    saved = client.post("/wellbeing/opt-outs", {"video": "on", "categories": ["A1"]})
    assert saved.status_code == 302
    assert client.post("/wellbeing/opt-outs", {"categories": ["Z"]}).status_code == 400
    assert claims.claim_next_case(user=rhea, queue=queue) == plain
    claims.release_case(case_id=plain.pk, user=rhea)
    Case.objects.filter(pk=plain.pk).update(status=Case.Status.CLOSED)
    assert claims.claim_next_case(user=rhea, queue=queue) is None
    otto = make_user("otto", roles.REVIEWER)
    assert claims.claim_next_case(user=otto, queue=queue) in (video, category_a)
    event = AuditEvent.objects.get(action="review_limits.opt_outs_changed")
    assert event.data["new"] == {"opt_out_video": True, "opt_out_categories": ["A1"]}


@pytest.mark.django_db(transaction=True)
def test_opted_out_reviewers_claiming_at_once_never_get_an_opted_out_case():
    queue = csam_queue()
    Case.objects.filter(queue=queue).update(status=Case.Status.CLOSED)
    videos = {csam_case(10 + n, kind="video").pk for n in range(6)}
    plain = {csam_case(20 + n).pk for n in range(6)}
    people = [make_user(f"r{n}", roles.REVIEWER) for n in range(6)]
    for person in people:
        limits.set_opt_outs(person, video=True, categories=[])
    got: list[int | None] = []
    barrier = threading.Barrier(len(people))

    def claim(person) -> None:
        try:
            barrier.wait()
            case = claims.claim_next_case(user=person, queue=queue)
            got.append(case.pk if case else None)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == sorted(plain)  # each plain case once, no video to anyone
    assert not videos & set(got)


def test_the_resources_page_lists_what_admins_set_and_is_linked_everywhere():
    SupportResource.objects.create(name="Counselling line", contact="0800 000 000", position=1)
    client = signed_in(make_user("rhea", roles.REVIEWER))
    page = client.get("/resources/").content.decode()
    assert "Counselling line" in page and "0800 000 000" in page
    assert 'href="/resources/"' in client.get("/queues/").content.decode()
    assert 'href="/resources/"' in client.get("/wellbeing/").content.decode()
