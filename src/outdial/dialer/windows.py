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


def _showing(day: date, minutes: int, tz: str) -> list[datetime]:
    """The instants whose wall-clock reading is exactly `day` + `minutes`: usually one, two
    in a repeated (fall-back) hour, none in a skipped (spring-forward) one."""
    hour, minute = divmod(minutes, 60)
    naive = datetime.combine(day, time(hour, minute))
    found = {naive.replace(tzinfo=zone(tz), fold=f).astimezone(UTC) for f in (0, 1)}
    return sorted(i for i in found if _reading(i, tz) == naive)


def wall_instant(day: date, minutes: int, tz: str) -> datetime:
    """The instant a wall clock in `tz` shows `day` + `minutes`: the first of two in a
    repeated hour, the moment the clocks jump when that time is skipped."""
    shown = _showing(day, minutes, tz)
    if shown:
        return shown[0]
    hour, minute = divmod(minutes, 60)
    naive = datetime.combine(day, time(hour, minute))
    before = naive.replace(tzinfo=zone(tz), fold=1).astimezone(UTC)
    return _transitions(tz, before, before + timedelta(hours=3))[0]


def local_date(instant: datetime, tz: str) -> date:
    """The calendar day `instant` falls on in `tz`."""
    return _reading(instant, tz).date()


def _offset(instant: datetime, tz: str) -> timedelta | None:
    return instant.astimezone(zone(tz)).utcoffset()


def _transitions(tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Instants in (start, end] at which the zone's clocks jump (found to the second)."""
    found: list[datetime] = []
    step = timedelta(hours=6)
    low = start
    while low < end:
        high = min(low + step, end)
        if _offset(low, tz) != _offset(high, tz):
            a, b = int(low.timestamp()), int(high.timestamp())
            while b - a > 1:
                middle = (a + b) // 2
                if _offset(datetime.fromtimestamp(middle, UTC), tz) == _offset(low, tz):
                    a = middle
                else:
                    b = middle
            found.append(datetime.fromtimestamp(b, UTC))
        low = high
    return found


def _candidates(hours: Hours, tz: str, instant: datetime, edge: str) -> list[datetime]:
    """Every instant after `instant` (within the search horizon) at which being open or
    closed can change: a reading equal to an interval edge, or a clock jump."""
    first_day = _reading(instant, tz).date() - timedelta(days=1)
    found: list[datetime] = []
    for offset in range(SEARCH_DAYS + 1):
        day = first_day + timedelta(days=offset)
        for interval in hours.on(day.weekday()):
            found += _showing(day, interval.start if edge == "start" else interval.end, tz)
    found += _transitions(tz, instant, instant + timedelta(days=SEARCH_DAYS))
    return sorted(c for c in set(found) if c > instant)


def next_open(hours: Hours, tz: str, instant: datetime) -> datetime | None:
    """`instant` itself when open, else the first later instant that is open (None if none
    within the next week and a bit)."""
    if is_open(hours, tz, instant):
        return instant
    return next(
        (c for c in _candidates(hours, tz, instant, "start") if is_open(hours, tz, c)), None
    )


def next_close(hours: Hours, tz: str, instant: datetime) -> datetime | None:
    """While open, the first later instant that is closed; None when closed now."""
    if not is_open(hours, tz, instant):
        return None
    return next(
        (c for c in _candidates(hours, tz, instant, "end") if not is_open(hours, tz, c)), None
    )
