"""What intake lets one report and one platform cost the worker, in declared pixels.

A small file can declare a huge canvas (a 64 kB PNG of 49 megapixels costs seconds of CPU
and hundreds of megabytes to decode), so bytes are no measure of cost; the pixels the
headers declare are. Both budgets are weighed before anything is decoded or stored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from reports.media import MediaInfo
from reports.models import Platform, Report

# The advisory lock namespace ("CWPX") under which one platform's intakes are weighed.
PLATFORM_BUDGET_LOCK = 0x43575058


class OverPlatformBudget(Exception):
    def __init__(self, retry_after: int, message: str):
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


def over_request_budget(
    files: Sequence[tuple[str, MediaInfo]], spent: int = 0
) -> list[dict[str, str]]:
    """An error for each file (field, info) from the one that takes the report past
    INTAKE_MAX_REQUEST_PIXELS on; none when the report is within it. spent: the pixels
    earlier reports of the same request (a batch) declared."""
    limit = settings.INTAKE_MAX_REQUEST_PIXELS
    errors, running = [], spent
    for field, info in files:
        running += info.pixels
        if running > limit:
            errors.append(
                {
                    "field": field,
                    "message": (
                        f"declares {info.pixels} pixels to decode, which takes the report to "
                        f"{running}, over the limit of {limit} pixels per report "
                        "(send it in another report)"
                    ),
                }
            )
    return errors


def check_platform_budget(platform: Platform, pixels: int, now: datetime) -> None:
    """Raise OverPlatformBudget if these pixels would take the platform past
    INTAKE_PLATFORM_MAX_PIXELS in the window before now. Inside a transaction that stores the
    report, call lock_platform() first, so that concurrent intakes are weighed one by one."""
    limit = settings.INTAKE_PLATFORM_MAX_PIXELS
    if not limit or not pixels:
        return
    window = timedelta(seconds=settings.INTAKE_PLATFORM_WINDOW_SECONDS)
    recent = Report.objects.filter(
        platform=platform, received_at__gt=now - window, pixels__gt=0
    ).order_by("received_at")
    used = recent.aggregate(total=Sum("pixels"))["total"] or 0
    if used + pixels <= limit:
        return
    seconds = settings.INTAKE_PLATFORM_WINDOW_SECONDS
    retry_after = window
    if pixels <= limit:
        remaining = used
        for received_at, earlier in recent.values_list("received_at", "pixels").iterator():
            remaining -= earlier
            if remaining + pixels <= limit:
                retry_after = received_at + window - now
                break
    raise OverPlatformBudget(
        max(1, math.ceil(retry_after.total_seconds())),
        f"the report declares {pixels} pixels to decode; with the {used} this platform sent "
        f"in the last {seconds} s that is over its limit of {limit} pixels per {seconds} s",
    )


def lock_platform(platform: Platform) -> None:
    """Hold the platform's budget lock until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PLATFORM_BUDGET_LOCK, platform.pk])
