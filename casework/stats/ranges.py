"""The time range a metrics page or export covers, from its query parameters, cut into
buckets: hourly for a day or two, daily beyond."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT = "7d"
MAX_DAYS = 366
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# A custom range up to this long is bucketed by the hour; longer ones by the day.
HOURLY_UP_TO = timedelta(days=2)


class BadParameter(ValueError):
    """A query parameter the page cannot use; the answer is a 400 naming it."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class Range:
    """[start, end) cut into equal buckets of step; preset is "" for a custom range."""

    start: datetime
    end: datetime
    step: timedelta
    preset: str = ""

    @property
    def bucket_count(self) -> int:
        return int((self.end - self.start) / self.step)

    @property
    def buckets(self) -> list[datetime]:
        return [self.start + i * self.step for i in range(self.bucket_count)]

    @property
    def hourly(self) -> bool:
        return self.step == HOUR

    @property
    def last_day(self) -> date:
        """The day of the range's last instant (end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).date()

    def query(self) -> dict[str, str]:
        """The query parameters that name this range again."""
        if self.preset:
            return {"range": self.preset}
        return {"from": self.start.date().isoformat(), "to": self.last_day.isoformat()}

    def describe(self) -> dict[str, str]:
        """For the audit log: the range asked for and the instants it covered."""
        return {**self.query(), "start": self.start.isoformat(), "end": self.end.isoformat()}


def parse_range(params: Any, now: datetime | None = None) -> Range:
    """The range named by `range=24h|7d|30d` or by `from` and `to` (YYYY-MM-DD, both days
    included, at most MAX_DAYS); raises BadParameter."""
    now = timezone.localtime(now or timezone.now())
    first, last = params.get("from") or "", params.get("to") or ""
    if first or last:
        if params.get("range"):
            raise BadParameter("range", "give either range or from and to, not both")
        return _custom(_day("from", first), _day("to", last))
    preset = params.get("range") or DEFAULT
    if preset not in PRESETS:
        raise BadParameter("range", f"must be one of {', '.join(PRESETS)}")
    if preset == "24h":
        end = now.replace(minute=0, second=0, microsecond=0) + HOUR
        return Range(end - PRESETS[preset], end, HOUR, preset)
    end = _midnight(now.date() + DAY)
    return Range(end - PRESETS[preset], end, DAY, preset)


def _day(name: str, value: str) -> date:
    if not value:
        raise BadParameter(name, "is missing: a custom range needs both from and to")
    try:
        return date.fromisoformat(value) if len(value) == 10 else date.fromisoformat("x")
    except ValueError as exc:
        raise BadParameter(name, "must be a date, YYYY-MM-DD") from exc


def _custom(first: date, last: date) -> Range:
    if last < first:
        raise BadParameter("to", "must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadParameter("to", f"a range covers at most {MAX_DAYS} days")
    start, end = _midnight(first), _midnight(last + DAY)
    return Range(start, end, HOUR if end - start <= HOURLY_UP_TO else DAY)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
