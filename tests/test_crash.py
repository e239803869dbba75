"""Workers killed with SIGKILL at random moments while they dial (PostgreSQL, several
processes). Afterwards the carrier's own log and the database must show: no attempt placed
twice, no call to a DNC number, none outside its window, none past the attempt limit, the
line and rate limits kept, and every record finished."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outdial.kit.clock import SystemClock
from outdial.models import Attempt, DialTask, Run
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World
from tests import invariants as inv
from tests.conftest import BACKEND
from tests.scenarios import EVERY_DAY, campaign, hours, us_number

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="the multi-process crash test needs PostgreSQL"
)
LINES, CPS, ATTEMPTS = 15, 20, 2
CHAOS_S, FINISH_S = 25.0, 240.0


def _etc(offset: int) -> str:
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def plan() -> tuple[Scenario, list[str], list[str]]:
    hour = datetime.now(UTC).hour
    open_offset = 12 - hour
    closed_offset = open_offset - 12 if open_offset > 0 else open_offset + 12
    open_zone, closed_zone = _etc(open_offset), _etc(closed_offset)
    rows = []
    for i in range(300):
        zone = closed_zone if i % 5 == 0 else open_zone
        rows.append({"phoneNumber": us_number(i), "timeZone": zone, "uniqueId": f"u{i}"})
    blocked = [us_number(i) for i in range(1, 40, 4)]
    global_blocked = [us_number(i) for i in range(2, 20, 4)]
    body = campaign(
        ["People"],
        "Blocked",
        days=hours(EVERY_DAY, "9:00 AM", "4:00 PM"),
        attempts=ATTEMPTS,
        retry=1,
        ring=30,
        timezone=open_zone,
    )
    scenario = Scenario.model_validate(
        {
            "start": datetime.now(UTC).isoformat(),
            "lines": LINES,
            "cps": CPS,
            "contactLists": [{"name": "People", "contacts": rows}],
            "dncLists": [
                {"name": "Blocked", "numbers": blocked},
                {"name": "Company DNC", "global": True, "numbers": global_blocked},
            ],
            "campaign": body,
        }
    )
    return scenario, blocked + global_blocked, [us_number(i) for i in range(200, 300, 7)]


def worker_env(url: str, log: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OUTDIAL_DATABASE_URL": url,
        "OUTDIAL_SIM_SPEED": "40",
        "OUTDIAL_SIM_ANSWER": "0.5",
        "OUTDIAL_SIM_BUSY": "0.2",
        "OUTDIAL_SIM_NO_ANSWER": "0.2",
        "OUTDIAL_SIM_FAILED": "0.1",
        "OUTDIAL_SIM_MACHINE": "0",
        "OUTDIAL_LEASE_SECONDS": "2",
        "OUTDIAL_TICK_SECONDS": "0.2",
        "OUTDIAL_SIM_CALL_LOG": str(log),
        "OUTDIAL_LOG_LEVEL": "warning",
    }


def spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "outdial", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def setup(world: World, scenario: Scenario) -> str:
    campaign_id = await world.setup(scenario)
    await world.trigger(campaign_id)
    return campaign_id


async def snapshot(world: World) -> tuple[list[Attempt], list[DialTask], list[Run]]:
    async with world.sessions() as session:
        attempts = list(await session.scalars(select(Attempt)))
        tasks = list(await session.scalars(select(DialTask)))
        runs = list(await session.scalars(select(Run)))
    return attempts, tasks, runs


def test_workers_killed_at_random_never_break_an_invariant(
    database_url: str, tmp_path: Path
) -> None:
    scenario, blocked, added = plan()
    log = tmp_path / "carrier.jsonl"
    world = World(database_url, SystemClock())
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(setup(world, scenario))
        env = worker_env(database_url, log)
        rng = random.Random(20261126)
        workers = [spawn(env) for _ in range(3)]
        kills: dict[int, datetime] = {}
        started = time.monotonic()
        added_at: datetime | None = None
        while time.monotonic() - started < CHAOS_S:
            time.sleep(rng.uniform(0.5, 2.5))
            victim = workers.pop(rng.randrange(len(workers)))
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            kills[victim.pid] = datetime.now(UTC)
            workers.append(spawn(env))
            if added_at is None and time.monotonic() - started > 8:
                loop.run_until_complete(world.add("Blocked", [{"phoneNumber": n} for n in added]))
                added_at = datetime.now(UTC)
        deadline = time.monotonic() + FINISH_S
        while time.monotonic() < deadline:
            _, tasks, _ = loop.run_until_complete(snapshot(world))
            if all(t.state == "DONE" or t.wait_reason == "window" for t in tasks):
                break
            time.sleep(1)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        attempts, tasks, runs = loop.run_until_complete(snapshot(world))
    finally:
        loop.run_until_complete(world.close())
        loop.close()
    assert added_at is not None
    check(scenario, log, attempts, tasks, runs, kills, blocked, added, added_at)


def check(
    scenario: Scenario, log: Path, attempts: list[Attempt], tasks: list[DialTask],
    runs: list[Run], kills: dict[int, datetime], blocked: list[str], added: list[str],
    added_at: datetime,
) -> None:  # fmt: skip
    events = [json.loads(line) for line in log.read_text().splitlines()]
    starts = [e for e in events if e["event"] == "start"]
    ends = {e["attemptId"]: e for e in events if e["event"] == "end"}
    ids = [e["attemptId"] for e in starts]
    assert len(ids) == len(set(ids)), "an attempt was placed twice"
    rows = {f"att-{a.task_id}-{a.attempt_no}": a for a in attempts}
    assert set(ids) <= set(rows), "the carrier saw a call the database never committed"
    assert len(starts) > 100 and kills, "the test did not exercise enough calls or kills"
    # DNC: the carrier never heard a blocked number, nor an added one after its addition
    for start in starts:
        at = inv.parse(start["at"])
        assert start["to"] not in blocked
        assert not (start["to"] in added and at >= added_at), start
    # windows, in each attempt's zone, at the moment the carrier saw the call
    days = scenario.campaign["dialingStrategy"]["callingHours"]["days"]
    for start in starts:
        zone = rows[start["attemptId"]].time_zone
        assert inv.in_window(days, zone, inv.parse(start["at"])), start
    # attempts per record, numbering and retry spacing
    by_task: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_task.setdefault(attempt.task_id, []).append(attempt)
    for group in by_task.values():
        group.sort(key=lambda a: a.attempt_no)
        assert [a.attempt_no for a in group] == list(range(1, len(group) + 1))
        assert len(group) <= ATTEMPTS
        if len(group) == 2:
            assert group[1].started_at >= group[0].started_at + timedelta(minutes=1)
    # lines: calls as the carrier saw them; a call cut by a kill ends at the kill
    intervals = []
    for start in starts:
        begin = inv.parse(start["at"])
        end = ends.get(start["attemptId"])
        stop = inv.parse(end["at"]) if end else kills.get(start["pid"], begin)
        intervals.append((begin, max(stop, begin)))
    assert inv.max_concurrency(intervals) <= LINES
    assert inv.rate_violations([a.started_at for a in attempts], 1.0, CPS) == []
    # every record in an open zone finished; the closed zone's wait, undialed, for 9 AM
    closed = scenario.contactLists[0].contacts[0]["timeZone"]
    waiting = [t for t in tasks if t.time_zone == closed and t.disposition != "DNC Excluded"]
    assert waiting and {(t.state, t.wait_reason, t.attempts_made) for t in waiting} == {
        ("WAITING", "window", 0)
    }
    assert {t.state for t in tasks if t.time_zone != closed} == {"DONE"}
    assert runs[0].status == "Active"
    assert sum(1 for a in attempts if a.state == "UNKNOWN") >= 1, "no call was cut by a kill"
