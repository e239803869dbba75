"""Outcomes over time, drawn on the server as inline SVG (no chart library in the browser).

The chart stacks the cumulative count of ended attempts per outcome, so the top edge is all
attempts so far and each band's thickness is one outcome's share. It comes with a data table
for screen readers, and is redrawn whenever htmx polls the live panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from outdial.report.service import OutcomeSeries
from outdial.telephony.base import Outcome

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 28
LABELS = {
    Outcome.ANSWERED: "Answered",
    Outcome.MACHINE: "Answering machine",
    Outcome.NO_ANSWER: "No answer",
    Outcome.BUSY: "Busy",
    Outcome.FAILED: "Failed",
    Outcome.INVALID: "Invalid number",
    Outcome.UNKNOWN: "Unknown",
}
# colour-blind-safe palette (Okabe-Ito), in stacking order
COLORS: dict[str, str] = {
    Outcome.ANSWERED: "#009e73",
    Outcome.MACHINE: "#56b4e9",
    Outcome.NO_ANSWER: "#e69f00",
    Outcome.BUSY: "#f0e442",
    Outcome.FAILED: "#d55e00",
    Outcome.INVALID: "#cc79a7",
    Outcome.UNKNOWN: "#999999",
}


@dataclass(frozen=True)
class Band:
    """One outcome's area: its polygon, colour and total so far."""

    label: str
    color: str
    points: str
    total: int


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template draws."""

    width: int
    height: int
    bands: list[Band]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    total: int
    baseline: float


def label(outcome: str) -> str:
    """How an outcome reads on a page (`no_answer` -> `No answer`)."""
    known = {str(k): v for k, v in LABELS.items()}
    return known.get(outcome, outcome.replace("_", " ").capitalize())


def _scale(series: OutcomeSeries, peak: int) -> tuple[list[float], float]:
    """x positions of the points, and pixels per attempt."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    steps = max(len(series.points) - 1, 1)
    xs = [LEFT + plot_w * i / steps for i in range(len(series.points))]
    return xs, plot_h / max(peak, 1)


def _ticks(peak: int) -> list[int]:
    """Round y-axis values (steps of 1, 2, 5, 10, 20, 50, ...) from 0 to at least `peak`."""
    step = next(m * 10**e for e in range(12) for m in (1, 2, 5) if peak <= 4 * m * 10**e)
    top = max(-(-peak // step), 1) * step
    return list(range(0, top + step, step))


def build(series: OutcomeSeries) -> Chart:
    """Stack the cumulative series into bands, bottom to top in LABELS order."""
    ordered = [str(o) for o in LABELS if str(o) in series.counts]
    ordered += sorted(set(series.counts) - set(ordered))
    n = len(series.points)
    totals = [sum(series.counts[o][i] for o in ordered) for i in range(n)]
    peak = max(totals, default=0)
    ticks = _ticks(peak)
    xs, per = _scale(series, ticks[-1])
    baseline = HEIGHT - BOTTOM
    below = [0] * n
    bands: list[Band] = []
    for outcome in ordered:
        above = [below[i] + series.counts[outcome][i] for i in range(n)]
        top = [f"{xs[i]:.1f},{baseline - above[i] * per:.1f}" for i in range(n)]
        bottom = [f"{xs[i]:.1f},{baseline - below[i] * per:.1f}" for i in reversed(range(n))]
        color = COLORS.get(outcome, "#999999")
        bands.append(Band(label(outcome), color, " ".join(top + bottom), above[-1] - below[-1]))
        below = above
    y_ticks = [(baseline - t * per, t) for t in ticks]
    x_ticks = [
        (xs[i], series.points[i].astimezone(UTC).strftime("%H:%M:%S"))
        for i in sorted({0, n // 2, n - 1})
        if n
    ]
    return Chart(WIDTH, HEIGHT, bands, y_ticks, x_ticks, peak, baseline)
