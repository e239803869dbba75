"""End-to-end runs of the engine in virtual time, checked against the compliance invariants
with independent oracles (tests/invariants.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import simulate
from tests import invariants as inv
from tests.scenarios import EVERY_DAY, NUMBER_ZONES, campaign, contacts, hours, us_number


def run(
    scenario: dict[str, Any], tmp_path: Path, url: str | None = None
) -> tuple[dict[str, Any], list[inv.Call]]:
    out = tmp_path / "attempts.jsonl"
    report = asyncio.run(simulate(Scenario.model_validate(scenario), out, url))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return report, inv.calls_from_export(rows)


def base(**overrides: Any) -> dict[str, Any]:
    zones = ["America/New_York", "Europe/London", "Asia/Kolkata", None, "Australia/Sydney"]
    scenario: dict[str, Any] = {
        "start": "2026-03-06T12:00:00Z",  # a Friday: some zones close for the weekend
        "seed": 11,
        "lines": 4,
        "cps": 2,
        "carrier": {"answer": 0.45, "busy": 0.2, "noAnswer": 0.2, "failed": 0.05, "machine": 0.05},
        "contactLists": [{"name": "People", "contacts": contacts(60, zones)}],
        "dncLists": [
            {"name": "Blocked", "numbers": [us_number(3), us_number(8)]},
            {"name": "Company DNC", "global": True, "numbers": [us_number(13)]},
        ],
        "dncAdditions": [
            {
                "at": "2026-03-06T12:05:00Z",
                "list": "Blocked",
                "numbers": [us_number(40), us_number(41)],
            }
        ],
        "campaign": campaign(["People"], "Blocked"),
    }
    scenario.update(overrides)
    return scenario


def check_all(scenario: dict[str, Any], report: dict[str, Any], calls: list[inv.Call]) -> None:
    strategy = scenario["campaign"]["dialingStrategy"]
    start = inv.parse(scenario["start"])
    blocked = {n: start for d in scenario["dncLists"] for n in d["numbers"]}
    for addition in scenario.get("dncAdditions", []):
        for number in addition["numbers"]:
            blocked.setdefault(number, inv.parse(addition["at"]))
    assert inv.dnc_violations(calls, blocked) == []
    assert inv.outside_window(calls, strategy["callingHours"]["days"]) == []
    retry = timedelta(minutes=strategy["defaultRetryPeriod"])
    assert inv.attempt_violations(calls, strategy["maxAttemptsPerRecord"], retry) == []
    assert len({c.attempt for c in calls}) == len(calls)
    intervals = [(c.started, c.ended or c.started) for c in calls]
    assert inv.max_concurrency(intervals) <= scenario["lines"]
    assert inv.rate_violations([c.started for c in calls], 1.0, int(scenario["cps"])) == []
    for call in calls:
        if call.outcome == "no_answer":
            assert call.ended is not None
            assert call.ended - call.started <= timedelta(seconds=strategy["maxRingTime"])
    assert all(r["state"] == "DONE" for r in report["records"])


def test_a_campaign_respects_every_invariant(tmp_path: Path, database_url: str) -> None:
    scenario = base()
    report, calls = run(scenario, tmp_path, database_url)
    check_all(scenario, report, calls)
    dispositions = report["dispositions"]
    assert dispositions["DNC Excluded"] == 5  # 3 at start, 2 added before they were reached
    assert sum(dispositions.values()) == 60
    assert report["attempts"] == len(calls) > 60


def test_contacts_outside_their_window_wait_and_are_not_dropped(tmp_path: Path) -> None:
    scenario = base(start="2026-03-07T12:00:00Z")  # Saturday: everything closed until Monday
    report, calls = run(scenario, tmp_path)
    check_all(scenario, report, calls)
    assert min(c.started for c in calls) >= datetime(2026, 3, 8, 22, tzinfo=UTC)  # Sydney Mon 9:00
    assert all(r["state"] == "DONE" for r in report["records"])


def test_same_scenario_same_calls(tmp_path: Path) -> None:
    first = run(base(), tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path)[1]
    second = run(base(), tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)[1]
    assert [(c.phone, c.number, c.started, c.outcome) for c in first] == [
        (c.phone, c.number, c.started, c.outcome) for c in second
    ]


def test_zone_comes_from_contact_then_number_then_campaign(tmp_path: Path) -> None:
    rows = [{"phoneNumber": n} for n in NUMBER_ZONES]
    rows += [
        {"phoneNumber": "+442071838751", "timeZone": "Asia/Tokyo"},
        {"phoneNumber": "+12125550100"},
    ]  # New York number: one zone
    rows += [{"phoneNumber": "+18005550199"}]  # toll free: many zones
    scenario = base(
        contactLists=[{"name": "People", "contacts": rows}],
        dncLists=[{"name": "Blocked", "numbers": []}],
        dncAdditions=[],
        campaign=campaign(
            ["People"],
            "Blocked",
            days=hours(EVERY_DAY, "12:00 AM", "11:59 PM"),
            timezone="Pacific/Auckland",
        ),
    )
    report, _ = run(scenario, tmp_path)
    zones = {r["phoneNumber"]: r["timeZone"] for r in report["records"]}
    for number, zone in NUMBER_ZONES.items():
        assert zones[number] == zone
    assert zones["+442071838751"] == "Asia/Tokyo"
    assert zones["+12125550100"] == "America/New_York"
    assert zones["+18005550199"] == "Pacific/Auckland"


@pytest.mark.parametrize(("order", "expected"), [("FIFO", [0, 1, 2, 3]), ("LIFO", [3, 2, 1, 0])])
def test_dialing_order_and_contact_priority(
    tmp_path: Path, order: str, expected: list[int]
) -> None:
    rows = [{"phoneNumber": us_number(i), "timeZone": "America/New_York"} for i in range(4)]
    rows.append({"phoneNumber": us_number(9), "timeZone": "America/New_York", "contactPriority": 5})
    scenario = base(
        lines=1,
        cps=1,
        carrier={"answer": 1, "busy": 0, "noAnswer": 0, "failed": 0, "machine": 0},
        contactLists=[{"name": "People", "contacts": rows}],
        dncAdditions=[],
        dncLists=[{"name": "Blocked", "numbers": []}],
        campaign=campaign(["People"], "Blocked", order=order),
    )
    _, calls = run(scenario, tmp_path)
    phones = [c.phone for c in sorted(calls, key=lambda c: c.started)]
    assert phones == [us_number(9)] + [us_number(i) for i in expected]


@pytest.mark.parametrize(
    ("mode", "outcome", "disposition"),
    [("detect", "machine", "Answering Machine"), ("disconnect", "machine", "Answering Machine"),
     ("no", "answered", "Connected")],
)  # fmt: skip
def test_answering_machine_modes(tmp_path: Path, mode: str, outcome: str, disposition: str) -> None:
    scenario = base(
        carrier={"answer": 0, "busy": 0, "noAnswer": 0, "failed": 0, "machine": 1},
        dncAdditions=[],
        campaign=campaign(["People"], "Blocked", machine=mode),
    )
    report, calls = run(scenario, tmp_path)
    assert {c.outcome for c in calls} == {outcome}
    assert set(report["dispositions"]) <= {disposition, "DNC Excluded"}
    if mode == "disconnect":
        assert all(c.ended and c.ended - c.started < timedelta(seconds=40) for c in calls)


def test_invalid_numbers_are_never_retried(tmp_path: Path) -> None:
    scenario = base(
        carrier={"answer": 0, "busy": 0, "noAnswer": 0, "failed": 0, "machine": 0}, dncAdditions=[]
    )
    report, calls = run(scenario, tmp_path)
    assert {c.outcome for c in calls} == {"invalid"}
    assert {c.number for c in calls} == {1}
    assert report["dispositions"]["Failed"] == len(calls)


def test_unanswered_calls_are_retried_up_to_the_limit(tmp_path: Path) -> None:
    scenario = base(
        carrier={"answer": 0, "busy": 0.5, "noAnswer": 0.5, "failed": 0, "machine": 0},
        dncAdditions=[],
    )
    report, calls = run(scenario, tmp_path)
    check_all(scenario, report, calls)
    assert {r["attempts"] for r in report["records"] if r["disposition"] != "DNC Excluded"} == {3}


ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "America/St_Johns",
        "Europe/Berlin",
        "Africa/Casablanca",
    ]
)
TRANSITIONS = st.sampled_from(
    [
        "2026-03-07T20:00:00Z",
        "2026-03-28T20:00:00Z",
        "2026-10-24T20:00:00Z",
        "2026-10-31T20:00:00Z",
        "2026-04-04T10:00:00Z",
        "2026-09-26T10:00:00Z",
    ]
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zones=st.lists(ZONES, min_size=1, max_size=3),
    start=TRANSITIONS,
    open_at=st.integers(0, 20),
    span=st.integers(1, 6),
    days=st.lists(st.sampled_from(EVERY_DAY), min_size=1, max_size=7, unique=True),
)
def test_windows_hold_across_zones_and_dst(
    tmp_path: Path, zones: list[str], start: str, open_at: int, span: int, days: list[str]
) -> None:
    """Random zones, weekly hours and starts around daylight-saving changes: every call is
    inside its contact's window and every record still finishes."""
    begin = f"{(open_at % 12) or 12}:00 {'AM' if open_at < 12 else 'PM'}"
    close = min(open_at + span, 23)
    end = f"{(close % 12) or 12}:30 {'AM' if close < 12 else 'PM'}"
    window = hours(tuple(days), begin, end)
    rows = contacts(12, list(zones))
    scenario = base(
        start=start,
        contactLists=[{"name": "People", "contacts": rows}],
        dncLists=[{"name": "Blocked", "numbers": []}],
        dncAdditions=[],
        lines=3,
        campaign=campaign(
            ["People"], "Blocked", days=window, retry=60, attempts=2, timezone=zones[0]
        ),
    )
    report, calls = run(scenario, tmp_path)
    check_all(scenario, report, calls)
