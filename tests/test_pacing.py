"""Pacing: the per-account rate window and the priority-weighted split of free lines."""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from outdial.dialer.pacing import Contender, RateWindow, allocate

PROPERTY = settings(max_examples=300, deadline=None)


# --- rate window --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cps", "seconds", "limit"),
    [
        (0.2, 5.0, 1),
        (0.5, 2.0, 1),
        (1, 1.0, 1),
        (2.5, 1.0, 2),
        (10, 1.0, 10),
        (100, 1.0, 100),
    ],
)
def test_rate_window_for_cps(cps: float, seconds: float, limit: int) -> None:
    assert RateWindow.for_cps(cps) == RateWindow(seconds, limit)


cps_values = st.one_of(
    st.sampled_from([0.2, 0.5, 1, 1.0, 2.5, 10, 100, 0.999, 1.999, 0.3, 1 / 3]),
    st.floats(min_value=0.01, max_value=1, exclude_max=True),
    st.floats(min_value=1, max_value=500),
    st.integers(1, 500),
)


@PROPERTY
@given(cps_values)
def test_rate_window_is_the_largest_that_never_exceeds_cps(cps: float) -> None:
    rate = RateWindow.for_cps(cps)
    assert rate.limit >= 1
    assert rate.seconds > 0
    if cps >= 1:
        assert rate.seconds == 1.0
        assert rate.limit <= cps < rate.limit + 1  # rounded down, never up
    else:
        assert rate.limit == 1
        assert rate.seconds == 1 / cps
        assert math.isclose(rate.seconds * cps, 1.0, rel_tol=1e-12)


def _simulate(rate: RateWindow, requests: list[tuple[int, int]]) -> list[Fraction]:
    """Greedy starts the way the engine paces them: at `now`, count the starts after
    `now - seconds` and start as many of the requested calls as the limit leaves."""
    window = Fraction(rate.seconds)
    starts: list[Fraction] = []
    for millis, wanted in sorted(requests):
        now = Fraction(millis, 1000)
        recent = len(starts) - bisect_right(starts, now - window)  # starts are in order
        starts += [now] * max(0, min(wanted, rate.limit - recent))
    return starts


def _busiest(starts: list[Fraction], window: Fraction) -> int:
    """The most starts in any half-open window [x, x + window) (attained at some start)."""
    ordered = sorted(starts)
    return max((bisect_left(ordered, x + window) - i for i, x in enumerate(ordered)), default=0)


requests = st.lists(st.tuples(st.integers(0, 30_000), st.integers(1, 8)), min_size=1, max_size=60)


@PROPERTY
@given(cps_values, requests)
def test_greedy_starts_never_exceed_the_window(cps: float, wanted: list[tuple[int, int]]) -> None:
    rate = RateWindow.for_cps(cps)
    starts = _simulate(rate, wanted)
    assert starts, "the first request always gets a start"
    assert _busiest(starts, Fraction(rate.seconds)) <= rate.limit
    if cps >= 1:
        assert _busiest(starts, Fraction(1)) <= cps
    else:
        gaps = [b - a for a, b in pairwise(starts)]
        assert all(gap >= Fraction(rate.seconds) for gap in gaps)
        assert all(float(gap) * cps >= 1 - 1e-12 for gap in gaps)


@settings(PROPERTY, max_examples=200)
@given(cps_values, st.integers(1, 5))
def test_a_flood_fills_every_window_to_the_limit(cps: float, windows: int) -> None:
    """Requests every 1/20 of a window, each wanting more than the limit: the limit is met in
    the busiest window, never passed, and every window's worth of time starts some calls."""
    rate = RateWindow.for_cps(cps)
    window_ms = math.ceil(rate.seconds * 1000)
    step_ms = max(1, window_ms // 20)
    times = range(0, window_ms * windows, step_ms)
    starts = _simulate(rate, [(t, rate.limit + 1) for t in times])
    assert _busiest(starts, Fraction(rate.seconds)) == rate.limit
    assert len(starts) >= rate.limit * (windows - 1)


# --- allocate -----------------------------------------------------------------------------


@st.composite
def contender_lists(
    draw: st.DrawFn, *, unlimited: bool = False, idle: bool = False
) -> list[Contender]:
    count = draw(st.integers(1, 8))
    keys = draw(
        st.lists(
            st.text("abcdefgh", min_size=1, max_size=3), min_size=count, max_size=count, unique=True
        )
    )
    return [
        Contender(
            key,
            draw(st.integers(1, 5)),
            0 if idle else draw(st.integers(0, 40)),
            10**6 if unlimited else draw(st.integers(0, 40)),
        )
        for key in keys
    ]


frees = st.integers(-3, 120)


@PROPERTY
@given(frees, contender_lists())
def test_allocate_basic_bounds(free: int, contenders: list[Contender]) -> None:
    shares = allocate(free, contenders)
    by_key = {c.key: c for c in contenders}
    assert set(shares) <= set(by_key)
    assert all(n > 0 for n in shares.values()), "zero shares are left out"
    assert all(shares[k] <= by_key[k].demand for k in shares), "nobody beyond demand"
    total_demand = sum(c.demand for c in contenders)
    assert sum(shares.values()) == min(max(free, 0), total_demand)


@PROPERTY
@given(frees, contender_lists(), st.randoms(use_true_random=False))
def test_allocate_is_deterministic_and_order_free(
    free: int, contenders: list[Contender], rnd: random.Random
) -> None:
    first = allocate(free, contenders)
    assert allocate(free, list(contenders)) == first
    shuffled = list(contenders)
    rnd.shuffle(shuffled)
    assert allocate(free, shuffled) == first


# Falsifying examples: allocate hands lines out by lowest load/weight (Adams' method), so
# every idle contender gets a line before a heavy one gets its second. Hypothesis' minimal
# case (weight 4 among three 1s, 4 lines: quota 2.29, given 1) and a priority-5 campaign
# next to five priority-1 campaigns (6 lines: quota 3, given 1).
HEAVY_AMONG_LIGHT = (
    4,
    [Contender(k, w, 0, 10**6) for k, w in [("a", 1), ("b", 1), ("c", 1), ("aa", 4)]],
)
FIVE_VS_ONES = (
    6,
    [Contender("p5", 5, 0, 10**6), *(Contender(f"p1-{i}", 1, 0, 10**6) for i in range(5))],
)


@PROPERTY
@given(st.integers(0, 120), contender_lists(unlimited=True, idle=True))
@example(*HEAVY_AMONG_LIGHT)
@example(*FIVE_VS_ONES)
def test_allocate_is_proportional_from_idle(free: int, contenders: list[Contender]) -> None:
    """Nothing in flight, unlimited demand: every share is within 1 of its quota
    q = free * weight / total weight, and never above ceil(q)."""
    shares = allocate(free, contenders)
    total_weight = sum(c.weight for c in contenders)
    quotas = {c.key: Fraction(free * c.weight, total_weight) for c in contenders}
    for key, quota in quotas.items():
        assert shares.get(key, 0) <= math.ceil(quota), (key, shares, quotas)
    for key, quota in quotas.items():
        assert abs(shares.get(key, 0) - quota) <= 1, (key, shares, quotas)


@PROPERTY
@given(st.integers(0, 120), contender_lists(unlimited=True))
def test_allocate_follows_the_shares_with_calls_in_flight(
    free: int, contenders: list[Contender]
) -> None:
    """With everyone still hungry, each contender's share is its weight's part of all lines in
    play, P = free + in flight. A line always goes to whoever is furthest below its share, so
    nobody who took a line ends above ceil(share), and nobody took a line while another
    stood further below its own share:

        (load_i - 1) - share_i <= load_j - share_j   for every i given a line and every j."""
    shares = allocate(free, contenders)
    pool = free + sum(c.in_flight for c in contenders)
    weight = sum(c.weight for c in contenders)

    def load(c: Contender) -> int:
        return c.in_flight + shares.get(c.key, 0)

    def share(c: Contender) -> Fraction:
        return Fraction(pool * c.weight, weight)

    assert sum(shares.values()) == free
    takers = [c for c in contenders if shares.get(c.key, 0) > 0]
    for i in takers:
        assert load(i) <= math.ceil(share(i)), (i, shares)
        for j in contenders:
            assert load(i) - 1 - share(i) <= load(j) - share(j), (i, j, shares)


def test_allocate_examples() -> None:
    assert allocate(0, [Contender("a", 1, 0, 5)]) == {}
    assert allocate(-2, [Contender("a", 1, 0, 5)]) == {}
    assert allocate(5, []) == {}
    assert allocate(5, [Contender("a", 1, 0, 0)]) == {}
    assert allocate(5, [Contender("a", 3, 0, 2)]) == {"a": 2}
    # Equal weights, nothing in flight: alternate, ties to the lower key.
    assert allocate(3, [Contender("b", 2, 0, 9), Contender("a", 2, 0, 9)]) == {"a": 2, "b": 1}
    # Ties between weights go to the heavier contender first.
    assert allocate(1, [Contender("a", 1, 0, 9), Contender("b", 4, 0, 9)]) == {"b": 1}
    # 5:1 priorities split six lines 5:1.
    assert allocate(6, [Contender("a", 5, 0, 9), Contender("b", 1, 0, 9)]) == {"a": 5, "b": 1}
    # In-flight calls count: the busy campaign waits until the other catches up.
    assert allocate(4, [Contender("a", 1, 4, 9), Contender("b", 1, 0, 9)]) == {"b": 4}
    assert allocate(6, [Contender("a", 1, 4, 9), Contender("b", 1, 0, 9)]) == {"a": 1, "b": 5}
    # A capped contender's leftovers go to the others.
    assert allocate(6, [Contender("a", 5, 0, 1), Contender("b", 1, 0, 9)]) == {"a": 1, "b": 5}
