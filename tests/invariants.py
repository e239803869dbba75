"""Independent checks of the dialer's compliance invariants (design §3) over an attempt log.

These re-derive everything from the raw rows with their own oracle (zoneinfo wall-clock
readings, plain interval counting) instead of calling the engine's helpers, so a bug in the
engine's window or pacing code cannot hide itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def minutes(text: str) -> int:
    clock, half = text.split()
    hour, minute = (int(x) for x in clock.split(":"))
    return ((hour % 12) + (12 if half.upper() == "PM" else 0)) * 60 + minute


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Call:
    """One attempt as the log shows it."""

    attempt: str
    record: str
    number: int
    phone: str
    zone: str
    started: datetime
    ended: datetime | None
    outcome: str


def calls_from_export(rows: Iterable[Mapping[str, object]]) -> list[Call]:
    return [
        Call(
            attempt=str(r["attemptId"]),
            record=str(r.get("record") or r["phoneNumber"]),
            number=int(str(r["attemptNumber"])),
            phone=str(r["phoneNumber"]),
            zone=str(r["timeZone"]),
            started=parse(str(r["startedAt"])),
            ended=parse(str(r["endedAt"])) if r.get("endedAt") else None,
            outcome=str(r["outcome"]),
        )
        for r in rows
    ]


def in_window(days: Sequence[Mapping[str, str]], zone: str, instant: datetime) -> bool:
    local = instant.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    code = DAYS[local.weekday()]
    return any(d["day"] == code and minutes(d["start"]) <= minute < minutes(d["end"]) for d in days)


def outside_window(calls: Sequence[Call], days: Sequence[Mapping[str, str]]) -> list[Call]:
    return [c for c in calls if not in_window(days, c.zone, c.started)]


def dnc_violations(calls: Sequence[Call], blocked: Mapping[str, datetime]) -> list[Call]:
    """Calls to a number started at or after the moment it was put on a DNC list."""
    return [c for c in calls if c.phone in blocked and c.started >= blocked[c.phone]]


def attempt_violations(calls: Sequence[Call], max_attempts: int, retry: timedelta) -> list[str]:
    """Per record: at most max attempts, numbered 1..n, never overlapping, retries spaced."""
    problems: list[str] = []
    by_record: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        by_record[call.record].append(call)
    for record, group in by_record.items():
        group.sort(key=lambda c: c.number)
        if [c.number for c in group] != list(range(1, len(group) + 1)):
            problems.append(f"{record}: attempt numbers {[c.number for c in group]}")
        if len(group) > max_attempts:
            problems.append(f"{record}: {len(group)} attempts > {max_attempts}")
        for before, after in pairwise(group):
            if before.ended is None or after.started < before.ended + retry:
                problems.append(f"{record}: retry {after.attempt} too soon after {before.attempt}")
    return problems


def max_concurrency(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    edges = sorted(
        [(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1])
    )
    busy = peak = 0
    for _, delta in edges:
        busy += delta
        peak = max(peak, busy)
    return peak


def rate_violations(starts: Sequence[datetime], window_s: float, limit: int) -> list[datetime]:
    """Start instants at which more than `limit` starts fall in the preceding window."""
    ordered = sorted(starts)
    bad: list[datetime] = []
    low = 0
    for high, start in enumerate(ordered):
        while ordered[low] <= start - timedelta(seconds=window_s):
            low += 1
        if high - low + 1 > limit:
            bad.append(start)
    return bad
