"""Calling windows against an independent oracle: read the instant on the zone's wall clock.

The oracle never looks at `Hours`; it keeps its own list of `(weekday, start, end)` triples and
answers "open?" by converting the instant with `astimezone(ZoneInfo(tz))`. For `next_open` and
`next_close` it also computes the exact answer: on a zone's wall clock, openness can only
change where the clock reaches an interval boundary (either reading of a repeated time) or
where the clocks jump (a UTC-offset transition), so the answer is the first such instant after
`t` that is open (resp. closed).
"""

from __future__ import annotations

import random
import zoneinfo
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outdial.dialer.windows import Hours, is_open, next_close, next_open
from outdial.kit.hours import DAYS, format_clock, parse_clock

Spec = tuple[tuple[int, int, int], ...]  # (weekday, start minute, end minute), end exclusive

DST_HEAVY = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/St_Johns",
    "Africa/Casablanca",
)
ALL_ZONES = tuple(sorted(zoneinfo.available_timezones() - {"localtime"}))
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2031, 1, 1, tzinfo=UTC)
SPAN_S = int((END - START).total_seconds())
SECOND = timedelta(seconds=1)
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the oracle ---------------------------------------------------------------------------


@cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(_zone(tz))


def oracle_open(spec: Spec, tz: str, instant: datetime) -> bool:
    local = _local(instant, tz)
    minute = local.hour * 60 + local.minute
    return any(d == local.weekday() and s <= minute < e for d, s, e in spec)


@cache
def transitions(tz: str, step_hours: int = 7 * 24) -> tuple[datetime, ...]:
    """Every UTC instant in [2023-06, 2031-06] at which the zone's UTC offset changes.

    Scans in steps and bisects each change to the second. A week's step is safe: the closest
    offset changes in that stretch are five weeks apart (Casablanca around Ramadan), which
    `test_oracle_transition_scan_misses_nothing` checks against a six-hour scan."""
    zone = _zone(tz)

    def offset(ts: int) -> timedelta | None:
        return datetime.fromtimestamp(ts, UTC).astimezone(zone).utcoffset()

    found = []
    step = step_hours * 3600
    ts = int(datetime(2023, 6, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(2031, 6, 1, tzinfo=UTC).timestamp())
    before = offset(ts)
    while ts < stop:
        after = offset(ts + step)
        if after != before:
            low, high = ts, ts + step  # offset(low) == before, offset(high) == after
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == before:
                    low = middle
                else:
                    high = middle
            found.append(datetime.fromtimestamp(high, UTC))
        before = after
        ts += step
    return tuple(found)


def _wall_instants(tz: str, day: date, minute: int) -> list[datetime]:
    """Every UTC instant whose wall reading in `tz` is exactly `day` + `minute` (0, 1 or 2)."""
    naive = datetime.combine(day, time(*divmod(minute, 60)))
    out = []
    for fold in (0, 1):
        utc = naive.replace(tzinfo=_zone(tz), fold=fold).astimezone(UTC)
        if _local(utc, tz).replace(tzinfo=None) == naive:
            out.append(utc)
    return out


def _edges(spec: Spec, tz: str, instant: datetime, which: int, days: int) -> list[datetime]:
    """Instants after `instant` (within `days`) where the wall clock reaches a start (which=1)
    or an end (which=2) of some interval, plus every offset transition in that stretch."""
    horizon = instant + timedelta(days=days)
    first = _local(instant, tz).date() - timedelta(days=1)
    out: set[datetime] = set()
    for offset in range(days + 2):
        day = first + timedelta(days=offset)
        for interval in spec:
            if interval[0] == day.weekday():
                out.update(_wall_instants(tz, day, interval[which]))
    moves = transitions(tz)
    out.update(moves[bisect_right(moves, instant) : bisect_left(moves, horizon)])
    return sorted(x for x in out if instant < x < horizon)


def oracle_next_open(spec: Spec, tz: str, instant: datetime) -> datetime | None:
    if oracle_open(spec, tz, instant):
        return instant
    for days in (2, 9):  # the first open edge within `days` is the answer if there is one
        edges = _edges(spec, tz, instant, 1, days)
        found = next((x for x in edges if oracle_open(spec, tz, x)), None)
        if found is not None:
            return found
    return None


def oracle_next_close(spec: Spec, tz: str, instant: datetime) -> datetime | None:
    if not oracle_open(spec, tz, instant):
        return None
    for days in (2, 9):
        edges = _edges(spec, tz, instant, 2, days)
        found = next((x for x in edges if not oracle_open(spec, tz, x)), None)
        if found is not None:
            return found
    return None


# --- strategies ---------------------------------------------------------------------------

zones = st.one_of(st.sampled_from(DST_HEAVY), st.sampled_from(ALL_ZONES))


MINUTES = st.integers(0, 1439)
NEARBY = st.integers(-180, 180)
COUNTS = st.integers(1, 3)
SPELLINGS = st.integers(0, 2)
WEEKDAYS = st.sets(st.integers(0, 6), max_size=7)
PICKS = st.integers(0, 2**16)
MOVE_DELTAS = st.one_of(st.sampled_from([0, -1, 1, -60, 60]), st.integers(-21600, 21600))
SECONDS = st.integers(0, SPAN_S - 1)
MICROS = st.sampled_from([0, 0, 0, 1, 999_999, 500_000])

# Plain helpers taking `draw` (not nested composites): building strategies per example is
# what makes generation slow.


def _day_intervals(draw: st.DrawFn, near: int | None = None) -> list[tuple[int, int]]:
    """1-3 non-overlapping intervals (adjacent allowed, as the API allows), start < end <= 1439.

    With `near`, boundaries cluster within three hours of that minute of the day."""
    count = draw(COUNTS)
    if near is None:
        points = [draw(MINUTES) for _ in range(2 * count)]
    else:
        points = [min(max(near + draw(NEARBY), 0), 1439) for _ in range(2 * count)]
    points.sort()
    spans = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    return [(s, e) for s, e in spans if s < e] or [(min(points[0], 1438), max(points[-1], 1439))]


def _spelling(minute: int, variant: int) -> str:
    text = format_clock(minute)
    if variant == 1:
        return text.lower()
    if variant == 2:
        return f" {text.zfill(8)} "  # "09:00 AM", padded
    return text


def _hours(draw: st.DrawFn, tz: str, instant: datetime) -> tuple[list[dict[str, str]], Spec]:
    """Kore `days` entries (shuffled, in varied spellings) plus the oracle's own copy.

    Half the time the instant's local weekday gets intervals around its wall time, so the
    edges near the instant (often an offset change) are actually exercised."""
    local = _local(instant, tz)
    spec: set[tuple[int, int, int]] = set()
    for weekday in draw(WEEKDAYS):
        spec.update((weekday, s, e) for s, e in _day_intervals(draw))
    if draw(st.booleans()):
        near_day = local.weekday()
        spec = {i for i in spec if i[0] != near_day}
        minute = local.hour * 60 + local.minute
        spec.update((near_day, s, e) for s, e in _day_intervals(draw, near=minute))
    entries = [
        {
            "day": DAYS[d],
            "start": _spelling(s, draw(SPELLINGS)),
            "end": _spelling(e, draw(SPELLINGS)),
        }
        for d, s, e in sorted(spec)
    ]
    random.Random(draw(PICKS)).shuffle(entries)
    return entries, tuple(sorted(spec))


def _instant(draw: st.DrawFn, tz: str) -> datetime:
    """Uniform over 2024-2030, or within six hours of one of the zone's offset changes."""
    moves = [m for m in transitions(tz) if START <= m < END]
    if moves and draw(st.booleans()):
        move = moves[draw(PICKS) % len(moves)]
        return move + timedelta(seconds=draw(MOVE_DELTAS))
    return START + timedelta(seconds=draw(SECONDS), microseconds=draw(MICROS))


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[dict[str, str]], Spec, datetime]:
    tz = draw(zones)
    instant = _instant(draw, tz)
    entries, spec = _hours(draw, tz, instant)
    return tz, entries, spec, instant


def _case(tz: str, days: list[tuple[str, str, str]], instant: str) -> tuple:
    """An explicit case for @example: `days` as (code, start, end) triples, instant in UTC."""
    entries = [{"day": d, "start": s, "end": e} for d, s, e in days]
    spec = tuple(sorted((DAYS.index(d), parse_clock(s), parse_clock(e)) for d, s, e in days))
    return tz, entries, spec, datetime.fromisoformat(instant)


# Inputs on which windows.py disagrees with the oracle. The first three were found by the
# properties below (Hypothesis' falsifying examples) and are one defect: around a fall-back,
# next_open/next_close only consider the first reading (fold=0) of a wall time, so the repeated
# stretch is missed (the explicit fall-back tests further down tell the same story by hand).
#   next_open from 23:59:59 -03 on Saturday: clocks go back to 23:00 -04, open at 03:00 UTC.
SANTIAGO_FALL_BACK = _case(
    "America/Santiago", [("SA", "8:59 PM", "11:59 PM")], "2024-04-07T02:59:59+00:00"
)
#   next_close from 01:00 EST (second reading): answers 01:01 EDT, an hour in the past.
NY_SECOND_READING = _case(
    "America/New_York", [("SU", "12:00 AM", "1:01 AM")], "2024-11-03T06:00:00+00:00"
)
#   next_open from 02:00 CET (second reading): 02:01 CET is a minute away, not a week.
WARSAW_SECOND_READING = _case(
    "Europe/Warsaw", [("SU", "2:01 AM", "11:59 PM")], "2024-10-27T01:00:00+00:00"
)
#   Adjacent windows (the API allows them): next_close answers 12:00 PM, still open.
ADJACENT = _case(
    "Asia/Kolkata",
    [("MO", "9:00 AM", "12:00 PM"), ("MO", "12:00 PM", "5:00 PM")],
    "2026-03-02T04:30:00+00:00",
)


# --- properties ---------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_is_open_agrees_with_the_wall_clock(case: tuple) -> None:
    tz, entries, spec, instant = case
    hours = Hours.from_days(entries)
    assert is_open(hours, tz, instant) == oracle_open(spec, tz, instant)
    for delta in (-SECOND, SECOND, timedelta(minutes=1), timedelta(hours=1)):
        assert is_open(hours, tz, instant + delta) == oracle_open(spec, tz, instant + delta)


def _samples(start: datetime, stop: datetime, seed: int) -> list[datetime]:
    """`start`, `stop - 1 s`, ~30 random instants in [start, stop), and every whole minute in
    between when the stretch is under three hours."""
    if stop <= start:
        return []
    out = [start]
    if stop - SECOND >= start:
        out.append(stop - SECOND)
    span_us = (stop - start) // timedelta(microseconds=1)
    rng = random.Random(seed)
    if span_us > 0:
        out += [start + timedelta(microseconds=rng.randrange(span_us)) for _ in range(30)]
    if stop - start < timedelta(hours=3):
        minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while minute < stop:
            out.append(minute)
            minute += timedelta(minutes=1)
    return out


@PROPERTY
@given(cases(), st.integers(0, 2**32))
@example(SANTIAGO_FALL_BACK, 0)
def test_next_open(case: tuple, seed: int) -> None:
    tz, entries, spec, instant = case
    hours = Hours.from_days(entries)
    found = next_open(hours, tz, instant)
    if not spec:
        assert found is None
        return
    assert found is not None, "some interval opens within a week"
    assert found >= instant
    assert oracle_open(spec, tz, found), f"next_open {found} is closed"
    if oracle_open(spec, tz, instant):
        assert found == instant
    for x in _samples(instant, found, seed):
        assert not oracle_open(spec, tz, x), f"{x} is open, before next_open {found}"
    assert found == oracle_next_open(spec, tz, instant)


@PROPERTY
@given(cases(), st.integers(0, 2**32))
@example(NY_SECOND_READING, 0)
@example(ADJACENT, 0)
def test_next_close(case: tuple, seed: int) -> None:
    tz, entries, spec, instant = case
    hours = Hours.from_days(entries)
    found = next_close(hours, tz, instant)
    if not oracle_open(spec, tz, instant):
        assert found is None
        return
    assert found is not None
    assert found > instant, f"next_close {found} is not after {instant}"
    assert oracle_open(spec, tz, found - timedelta(microseconds=1))
    assert not oracle_open(spec, tz, found), f"still open at next_close {found}"
    for x in _samples(instant, found, seed):
        assert oracle_open(spec, tz, x), f"{x} is closed, before next_close {found}"
    assert found == oracle_next_close(spec, tz, instant)


@settings(PROPERTY, max_examples=200)
@given(cases())
@example(WARSAW_SECOND_READING)
def test_open_and_close_chain_for_a_week(case: tuple) -> None:
    """Alternating next_open / next_close walks a week of instants, agreeing with the oracle."""
    tz, entries, spec, instant = case
    hours = Hours.from_days(entries)
    current, horizon = instant, instant + timedelta(days=7)
    while current < horizon:
        opened = next_open(hours, tz, current)
        assert opened == oracle_next_open(spec, tz, current)
        if opened is None:
            return
        closed = next_close(hours, tz, opened)
        assert closed == oracle_next_close(spec, tz, opened)
        assert closed is not None
        assert closed > opened
        current = closed


def test_oracle_sees_real_transitions() -> None:
    """The transition finder behind the oracle: New York 2026 and a zone without DST."""
    ny = [m for m in transitions("America/New_York") if m.year == 2026]
    assert ny == [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)]
    assert [m for m in transitions("Asia/Kolkata") if START <= m < END] == []


@pytest.mark.parametrize("tz", DST_HEAVY)
def test_oracle_transition_scan_misses_nothing(tz: str) -> None:
    assert transitions(tz) == transitions(tz, step_hours=6)


# --- explicit daylight-saving examples -------------------------------------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _make(*days: tuple[str, str, str]) -> Hours:
    return Hours.from_days([{"day": d, "start": s, "end": e} for d, s, e in days])


NY = "America/New_York"


def test_spring_forward_window_starting_in_the_gap_opens_when_clocks_jump() -> None:
    hours = _make(("SU", "2:30 AM", "5:00 AM"))
    midnight = _utc("2026-03-08T05:00")  # 00:00 EST, Sunday
    assert next_open(hours, NY, midnight) == _utc("2026-03-08T07:00")  # 03:00 EDT
    assert not is_open(hours, NY, _utc("2026-03-08T06:59:59"))  # 01:59:59 EST
    assert is_open(hours, NY, _utc("2026-03-08T07:00"))
    assert next_close(hours, NY, _utc("2026-03-08T07:00")) == _utc("2026-03-08T09:00")  # 5 EDT


@pytest.mark.parametrize(
    ("tz", "day", "start", "jump"),
    [
        (NY, "2026-03-08", "2:07 AM", "2026-03-08T07:00"),  # 02:00 EST -> 03:00 EDT
        (NY, "2026-03-08", "2:59 AM", "2026-03-08T07:00"),
        ("America/St_Johns", "2026-03-08", "2:41 AM", "2026-03-08T05:30"),  # 02:00 -> 03:00
        ("Pacific/Chatham", "2026-09-27", "3:01 AM", "2026-09-26T14:00"),  # 02:45 -> 03:45
        ("America/Santiago", "2026-09-06", "12:00 AM", "2026-09-06T04:00"),  # 00:00 -> 01:00
    ],
)
def test_gap_start_opens_exactly_at_the_jump(tz: str, day: str, start: str, jump: str) -> None:
    """Starts at odd minutes inside a gap still open at the jump itself, to the second."""
    hours = _make((DAYS[date.fromisoformat(day).weekday()], start, "11:59 PM"))
    opened = next_open(hours, tz, _utc(jump) - timedelta(hours=5))
    assert opened == _utc(jump)
    assert not is_open(hours, tz, opened - SECOND)


def test_spring_forward_window_inside_the_gap_never_opens_that_day() -> None:
    hours = _make(("SU", "2:15 AM", "2:45 AM"))
    day_start, day_end = _utc("2026-03-08T05:00"), _utc("2026-03-09T04:00")
    minute = day_start
    while minute < day_end:
        assert not is_open(hours, NY, minute), minute
        minute += timedelta(minutes=1)
    assert next_open(hours, NY, day_start) == _utc("2026-03-15T06:15")  # next Sunday 2:15 EDT


def test_spring_forward_window_ending_in_the_gap_closes_when_clocks_jump() -> None:
    hours = _make(("SU", "1:00 AM", "2:30 AM"))
    assert next_close(hours, NY, _utc("2026-03-08T06:30")) == _utc("2026-03-08T07:00")


def test_fall_back_repeated_hour_is_open_both_times() -> None:
    hours = _make(("SU", "1:00 AM", "1:30 AM"))
    assert is_open(hours, NY, _utc("2026-11-01T05:00"))  # 01:00 EDT
    assert is_open(hours, NY, _utc("2026-11-01T05:29:59"))
    assert not is_open(hours, NY, _utc("2026-11-01T05:30"))  # 01:30 EDT
    assert not is_open(hours, NY, _utc("2026-11-01T05:59:59"))
    assert is_open(hours, NY, _utc("2026-11-01T06:00"))  # 01:00 EST
    assert is_open(hours, NY, _utc("2026-11-01T06:29:59"))
    assert not is_open(hours, NY, _utc("2026-11-01T06:30"))  # 01:30 EST
    assert next_open(hours, NY, _utc("2026-11-01T04:00")) == _utc("2026-11-01T05:00")
    assert next_close(hours, NY, _utc("2026-11-01T05:10")) == _utc("2026-11-01T05:30")


def test_fall_back_next_open_finds_the_second_reading() -> None:
    """Closed at 01:45 EDT; the clock reads 01:00 again fifteen minutes later."""
    hours = _make(("SU", "1:00 AM", "1:30 AM"))
    assert next_open(hours, NY, _utc("2026-11-01T05:45")) == _utc("2026-11-01T06:00")


def test_fall_back_next_open_when_the_jump_lands_inside_a_window() -> None:
    """A 12:30-1:30 AM window: at 01:59:59 EDT closed, at the jump (01:00 EST) open."""
    hours = _make(("SU", "12:30 AM", "1:30 AM"))
    assert next_open(hours, NY, _utc("2026-11-01T05:45")) == _utc("2026-11-01T06:00")


def test_fall_back_next_close_during_the_second_reading() -> None:
    hours = _make(("SU", "1:00 AM", "1:30 AM"))
    assert next_close(hours, NY, _utc("2026-11-01T06:10")) == _utc("2026-11-01T06:30")


LORD_HOWE = "Australia/Lord_Howe"


def test_lord_howe_half_hour_spring_forward() -> None:
    """2026-10-04 02:00 +10:30 becomes 02:30 +11:00 (15:30 UTC on the 3rd)."""
    hours = _make(("SU", "2:00 AM", "3:00 AM"))
    saturday = _utc("2026-10-03T12:00")
    assert next_open(hours, LORD_HOWE, saturday) == _utc("2026-10-03T15:30")
    assert not is_open(hours, LORD_HOWE, _utc("2026-10-03T15:29:59"))  # 01:59:59 +10:30
    assert next_close(hours, LORD_HOWE, _utc("2026-10-03T15:30")) == _utc("2026-10-03T16:00")
    inside = _make(("SU", "2:05 AM", "2:25 AM"))
    assert next_open(inside, LORD_HOWE, saturday) == _utc("2026-10-10T15:05")  # next week


def test_lord_howe_half_hour_fall_back() -> None:
    """2026-04-05 02:00 +11:00 becomes 01:30 +10:30 (15:00 UTC on the 4th)."""
    hours = _make(("SU", "1:30 AM", "2:00 AM"))
    assert is_open(hours, LORD_HOWE, _utc("2026-04-04T14:30"))  # 01:30 +11
    assert is_open(hours, LORD_HOWE, _utc("2026-04-04T14:59:59"))  # 01:59:59 +11
    assert is_open(hours, LORD_HOWE, _utc("2026-04-04T15:00"))  # 01:30 +10:30
    assert not is_open(hours, LORD_HOWE, _utc("2026-04-04T15:30"))  # 02:00 +10:30
    assert next_close(hours, LORD_HOWE, _utc("2026-04-04T15:10")) == _utc("2026-04-04T15:30")


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        # Friday and Monday around the US spring-forward (2026-03-08).
        (NY, ("2026-03-06T14:00", "2026-03-06T22:00"), ("2026-03-09T13:00", "2026-03-09T21:00")),
        # Friday and Monday around the UK fall-back (2026-10-25).
        (
            "Europe/London",
            ("2026-10-23T08:00", "2026-10-23T16:00"),
            ("2026-10-26T09:00", "2026-10-26T17:00"),
        ),
    ],
)
def test_nine_to_five_keeps_local_time_across_a_change(
    tz: str, before: tuple[str, str], after: tuple[str, str]
) -> None:
    hours = _make(*((d, "9:00 AM", "5:00 PM") for d in ("MO", "TU", "WE", "TH", "FR")))
    opens, closes = _utc(before[0]), _utc(before[1])
    assert next_open(hours, tz, opens - timedelta(hours=3)) == opens
    assert next_close(hours, tz, opens) == closes
    after_opens, after_closes = _utc(after[0]), _utc(after[1])
    assert next_open(hours, tz, closes) == after_opens  # over the weekend and the change
    assert next_close(hours, tz, after_opens) == after_closes
    assert abs((after_opens - opens) - timedelta(days=3)) == timedelta(hours=1)
    assert _local(opens, tz).time() == _local(after_opens, tz).time() == time(9)


# --- clock strings ------------------------------------------------------------------------


def test_every_minute_round_trips() -> None:
    seen = set()
    for minute in range(1440):
        text = format_clock(minute)
        assert parse_clock(text) == minute
        assert parse_clock(text.lower()) == minute
        assert parse_clock(f"  {text.zfill(8)}  ") == minute
        seen.add(text)
    assert len(seen) == 1440


@pytest.mark.parametrize(
    ("text", "minute"),
    [
        ("12:00 AM", 0),
        ("12:59 AM", 59),
        ("1:00 AM", 60),
        ("9:00 AM", 540),
        ("09:00 am", 540),
        ("9:00AM", 540),
        ("11:59 AM", 719),
        ("12:00 PM", 720),
        ("12:30 PM", 750),
        ("6:00 PM", 1080),
        ("11:59 PM", 1439),
    ],
)
def test_parse_clock_known_values(text: str, minute: int) -> None:
    assert parse_clock(text) == minute


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9",
        "9 AM",
        "9:00",
        "09:00",
        "21:00",
        "0:30 AM",
        "00:30 AM",
        "13:00 PM",
        "24:00 AM",
        "9:60 AM",
        "9:5 AM",
        "9:000 AM",
        "009:00 AM",
        "9:00 XM",
        "9:00 A.M.",
        "9.00 AM",
        "9:00 AM PM",
        "noon",
        "-1:00 AM",
        "\uff19:00 AM",  # fullwidth digit nine,
    ],
)
def test_parse_clock_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789: APMapm\t.", max_size=12))
def test_parse_clock_accepts_only_canonical_shapes(text: str) -> None:
    try:
        minute = parse_clock(text)
    except ValueError:
        return
    assert 0 <= minute < 1440
    body = text.strip()
    half, clock = body[-2:].upper(), body[:-2].strip()
    hour, _, minutes = clock.partition(":")
    assert half in ("AM", "PM")
    assert 1 <= int(hour) <= 12 and len(hour) <= 2 and len(minutes) == 2
    assert format_clock(minute) == f"{int(hour)}:{minutes} {half}"
