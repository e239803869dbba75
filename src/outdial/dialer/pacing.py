"""How many calls may start now, and which running campaign gets each free line.

Lines: an account never has more calls in progress (claimed or dialing) than its `lines`.
Rate: an account never starts more than `cps` calls in any one-second window; below one call
per second, calls start at least `1/cps` seconds apart. Fractional rates above one round
down, so the limit is never exceeded. Free lines go to the running campaigns in proportion to
their priority (1-5): each line goes to the campaign furthest below its share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RateWindow:
    """At most `limit` starts in any window of `seconds`."""

    seconds: float
    limit: int

    @classmethod
    def for_cps(cls, cps: float) -> RateWindow:
        if cps >= 1:
            return cls(1.0, math.floor(cps))
        return cls(1.0 / cps, 1)


@dataclass(frozen=True)
class Contender:
    """A running campaign asking for lines."""

    key: str
    weight: int
    in_flight: int
    demand: int


def _deficit(c: Contender, given: int, pool: int, total: int) -> tuple[float, int, str]:
    """How far below its share a contender stands (more negative: further below)."""
    return (c.in_flight + given - pool * c.weight / total, -c.weight, c.key)


def allocate(free: int, contenders: Sequence[Contender]) -> dict[str, int]:
    """Give `free` lines, one at a time, to the contender furthest below its share.

    A contender's share is its weight's part of the lines the still-hungry contenders could
    use (their calls in flight plus the free lines). Contenders that want nothing more drop
    out, and their part goes to the others.
    """
    given = {c.key: 0 for c in contenders}
    for _ in range(max(free, 0)):
        open_ = [c for c in contenders if given[c.key] < c.demand]
        if not open_:
            break
        total = sum(c.weight for c in open_)
        pool = free + sum(c.in_flight for c in open_)
        pick = min(open_, key=lambda c: _deficit(c, given[c.key], pool, total))
        given[pick.key] += 1
    return {k: v for k, v in given.items() if v}
