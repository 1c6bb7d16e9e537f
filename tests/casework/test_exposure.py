"""The exposure meter: a reviewer's reveals, seconds of revealed material on screen and CSAM
cases decided, per day and week; their own page, the team's sums for leads, and one
person's figures for a lead only with a reason, which is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework import roles
from casework.models import AuditEvent, Queue
from casework.wellbeing import exposure
from tests.casework import stats_builders as build
from tests.helpers import make_user, signed_in

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def revealed(user, at, seconds=None):
    actor = f"user:{user.get_username()}"
    AuditEvent.objects.create(
        at=at, actor=actor, actor_user=user, action="media.revealed", target="media:1"
    )
    if seconds is not None:
        AuditEvent.objects.create(
            at=at + dt.timedelta(seconds=seconds),
            actor=actor,
            actor_user=user,
            action="media.reblurred",
            target="media:1",
            data={"case": 1, "seconds": seconds, "cause": "timer"},
        )


@pytest.fixture
def history():
    rhea, otto = make_user("rhea", roles.REVIEWER), make_user("otto", roles.REVIEWER)
    queue = Queue.objects.get_or_create(slug="csam", defaults={"name": "CSAM"})[0]
    revealed(rhea, NOW - dt.timedelta(minutes=5), seconds=10)
    revealed(rhea, NOW - dt.timedelta(minutes=4), seconds=50)
    revealed(rhea, NOW - dt.timedelta(days=3), seconds=30)
    revealed(rhea, NOW - dt.timedelta(days=40), seconds=99)  # outside the 4 weeks
    revealed(otto, NOW - dt.timedelta(minutes=3), seconds=120)
    c = build.case(queue, NOW, NOW + dt.timedelta(days=1))
    build.decision(c, rhea, "csam_confirmed", NOW - dt.timedelta(minutes=1))
    build.decision(c, rhea, "not_csam", NOW - dt.timedelta(minutes=1))  # not CSAM: not counted
    build.decision(c, otto, "csam_suspected", NOW - dt.timedelta(days=1))
    return rhea, otto


def test_a_reviewers_days_count_only_their_own(history):
    rhea, _ = history
    figures = exposure.of_reviewer(rhea, now=NOW)
    assert len(figures.days) == 28 and figures.today.day == timezone.localdate(NOW)
    assert (figures.today.revealed, figures.today.seconds, figures.today.csam_decided) == (2, 60, 1)
    assert figures.today.minutes == 1.0
    three_days_ago = figures.days[-4]
    assert (three_days_ago.revealed, three_days_ago.seconds) == (1, 30)
    assert sum(d.revealed for d in figures.days) == 3  # 40 days ago is left out


def test_the_team_sums_everyone_per_day_with_how_many_people(history):
    figures = exposure.of_team(now=NOW)
    assert (figures.today.revealed, figures.today.seconds, figures.today.reviewers) == (3, 180, 2)
    assert figures.days[-2].csam_decided == 1


def test_the_own_page_shows_the_figures_and_is_audited(history):
    rhea, _ = history
    page = signed_in(rhea).get("/wellbeing/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "<strong>2</strong> items revealed today" in text
    assert "<strong>1.0</strong> minutes of revealed material today" in text
    assert text.count('<svg class="chart"') == 3
    assert AuditEvent.objects.filter(action="exposure.viewed", actor="user:rhea").exists()


def test_the_team_page_has_no_names_in_its_figures(history):
    lead = make_user("lena", roles.ESCALATION_LEAD)
    page = signed_in(lead).get("/wellbeing/team/").content.decode()
    assert "<strong>3</strong> items revealed today" in page
    figures = page.split('<h2 id="caps-h">')[0]
    assert "rhea" not in figures and "otto" not in figures
    assert AuditEvent.objects.filter(action="exposure.team_viewed", actor="user:lena").exists()


def test_one_persons_figures_need_a_reason_which_is_audited(history):
    lead = make_user("lena", roles.ESCALATION_LEAD)
    client = signed_in(lead)
    refused = client.post("/wellbeing/team/", {"reviewer": "otto", "reason": "  "})
    assert refused.status_code == 400 and b"<code>reason</code>" in refused.content
    unknown = client.post("/wellbeing/team/", {"reviewer": "nobody", "reason": "check"})
    assert unknown.status_code == 400 and b"<code>reviewer</code>" in unknown.content
    assert not AuditEvent.objects.filter(action="exposure.individual_viewed").exists()

    shown = client.post("/wellbeing/team/", {"reviewer": "otto", "reason": "asked for help"})
    assert shown.status_code == 200
    assert b"<strong>1</strong> items revealed today" in shown.content
    event = AuditEvent.objects.get(action="exposure.individual_viewed")
    assert (event.actor, event.target, event.data) == (
        "user:lena",
        "user:otto",
        {"reason": "asked for help"},
    )


def test_a_reviewer_may_not_see_the_team_or_another_person(history):
    _, otto = history
    client = signed_in(otto)
    assert client.get("/wellbeing/team/").status_code == 403
    answer = client.post("/wellbeing/team/", {"reviewer": "rhea", "reason": "curious"})
    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="exposure.individual_viewed").exists()
