"""Calling windows in local wall time, answered in UTC.

A campaign's calling hours are weekly intervals of local time (`MO 9:00 AM - 6:00 PM`). A
contact may be called at instant `t` when `t`, read on the wall clock of the contact's zone,
falls inside an interval. Daylight saving is handled by always converting the instant to local
time (never adding offsets by hand): on a spring-forward day the skipped hour simply never
occurs, on a fall-back day the repeated hour is open or closed both times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from outdial.kit.hours import DAYS, parse_clock

SEARCH_DAYS = 9


@dataclass(frozen=True, order=True)
class Interval:
    """One open interval on a weekday, in minutes after local midnight (end exclusive)."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class Hours:
    """A week of calling hours."""

    intervals: tuple[Interval, ...]

    @classmethod
    def from_days(cls, days: Iterable[Mapping[str, str]]) -> Hours:
        """From Kore's `[{"day": "MO", "start": "9:00 AM", "end": "6:00 PM"}, ...]`."""
        intervals = tuple(
            sorted(
                Interval(DAYS.index(d["day"]), parse_clock(d["start"]), parse_clock(d["end"]))
                for d in days
            ),
        )
        return cls(intervals)

    def on(self, weekday: int) -> Sequence[Interval]:
        return [i for i in self.intervals if i.weekday == weekday]


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


def is_open(hours: Hours, tz: str, instant: datetime) -> bool:
    """Whether `instant` (aware) falls inside the calling hours on the zone's wall clock."""
    local = instant.astimezone(zone(tz))
    minute = _local_minutes(local)
    return any(i.start <= minute < i.end for i in hours.on(local.weekday()))


def _reading(instant: datetime, tz: str) -> datetime:
    """What a wall clock in `tz` shows at `instant` (naive)."""
    return instant.astimezone(zone(tz)).replace(tzinfo=None)


def _wall_to_utc(day: date, minutes: int, tz: str) -> datetime:
    """The first instant whose wall-clock reading in `tz` is at or after `day` + `minutes`.

    Usually that instant shows exactly that time (fold=0 picks the first of a repeated hour).
    When the time falls in a spring-forward gap it never shows; the answer is then the moment
    the clocks jump, found by bisecting between the two fold interpretations.
    """
    hour, minute = divmod(minutes, 60)
    naive = datetime.combine(day, time(hour, minute))
    first = naive.replace(tzinfo=zone(tz), fold=0).astimezone(UTC)
    if _reading(first, tz) == naive:
        return first
    low = int(naive.replace(tzinfo=zone(tz), fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _reading(datetime.fromtimestamp(middle, UTC), tz) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def next_open(hours: Hours, tz: str, instant: datetime) -> datetime | None:
    """`instant` itself when open, else the next instant the window opens (None if never)."""
    if is_open(hours, tz, instant):
        return instant
    local_day = instant.astimezone(zone(tz)).date()
    for offset in range(SEARCH_DAYS):
        day = local_day + timedelta(days=offset)
        for interval in hours.on(day.weekday()):
            start = _wall_to_utc(day, interval.start, tz)
            if start > instant and is_open(hours, tz, start):
                return start
    return None


def next_close(hours: Hours, tz: str, instant: datetime) -> datetime | None:
    """While open, the instant the current window closes; None when closed now."""
    if not is_open(hours, tz, instant):
        return None
    local = instant.astimezone(zone(tz))
    minute = _local_minutes(local)
    for interval in hours.on(local.weekday()):
        if interval.start <= minute < interval.end:
            return _wall_to_utc(local.date(), interval.end, tz)
    return None
