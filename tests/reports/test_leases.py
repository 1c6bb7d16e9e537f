"""Processing leases on their own: an attempt is counted before work starts, a held lease
turns other deliveries away until it runs out, and the sweep finds what a dead worker held."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reports import leases
from reports.models import Media
from tests.helpers import stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending() -> Media:
    media, _ = stored_image(51, "lease-1")
    Media.objects.filter(pk=media.pk).update(status="pending")
    return media


def reload(media: Media) -> Media:
    return Media.objects.get(pk=media.pk)


def test_a_claim_counts_the_attempt_before_any_work(pending):
    claim = leases.claim(pending.pk, max_attempts=5)
    assert (claim.outcome, claim.attempt) == ("claimed", 1)
    stored = reload(pending)
    assert stored.attempts == 1 and stored.lease_holder == claim.holder
    assert stored.lease_until > timezone.now() + timedelta(seconds=10)


def test_a_held_lease_turns_another_delivery_away_until_it_runs_out(pending):
    leases.claim(pending.pk, max_attempts=5)
    held = leases.claim(pending.pk, max_attempts=5)
    assert held.outcome == "held" and 10 < held.wait <= 15
    assert reload(pending).attempts == 1

    Media.objects.filter(pk=pending.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    again = leases.claim(pending.pk, max_attempts=5)
    assert (again.outcome, again.attempt) == ("claimed", 2)


def test_attempts_used_up_by_dead_workers_exhaust_the_item(pending):
    Media.objects.filter(pk=pending.pk).update(attempts=5, lease_holder="gone")
    assert leases.claim(pending.pk, max_attempts=5).outcome == "exhausted"


def test_a_finished_item_is_not_claimed(pending):
    Media.objects.filter(pk=pending.pk).update(status="processed")
    assert leases.claim(pending.pk, max_attempts=5).outcome == "done"


def test_a_retry_may_claim_at_once(pending):
    claim = leases.claim(pending.pk, max_attempts=5)
    leases.release_for_retry(pending.pk, claim.holder, countdown=20, error="attempt 1 failed")
    stored = reload(pending)
    assert stored.lease_holder == leases.QUEUED and stored.error == "attempt 1 failed"
    assert leases.claim(pending.pk, max_attempts=5).outcome == "claimed"


@pytest.mark.django_db(transaction=True)  # the renewing thread has a connection of its own
def test_the_lease_is_renewed_while_the_work_goes_on(pending, settings):
    settings.MEDIA_LEASE_SECONDS = 1
    claim = leases.claim(pending.pk, max_attempts=5)
    first = reload(pending).lease_until
    with leases.kept(pending.pk, claim.holder):
        time.sleep(1.2)
    assert reload(pending).lease_until > first


def test_the_sweep_takes_expired_leases_and_forgotten_items_once(pending):
    media, _ = stored_image(52, "lease-2")
    fresh, _ = stored_image(53, "lease-3")
    Media.objects.filter(pk=media.pk).update(
        status="pending", created_at=timezone.now() - timedelta(minutes=11)
    )
    Media.objects.filter(pk=fresh.pk).update(status="pending")  # queued at intake just now
    Media.objects.filter(pk=pending.pk).update(
        lease_holder="dead", lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert sorted(leases.take_expired()) == sorted([pending.pk, media.pk])
    assert reload(pending).lease_holder == leases.QUEUED
    assert leases.take_expired() == []  # not again until the queued lease runs out
