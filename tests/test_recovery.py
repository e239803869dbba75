"""At-most-once dialing when workers die or stall (design §3, invariant 4).

Two engines share one database and a virtual clock. Faults are injected by subclassing the
engine at the exact step where a real worker could die: after its claim committed, after its
attempt rows committed, or while its calls are in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from outdial.dialer.engine import Engine, EngineSettings, _Pass
from outdial.dialer.repository import EngineRepository
from outdial.kit.clock import VirtualClock
from outdial.models import Attempt, DialTask
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier
from tests.scenarios import EVERY_DAY, campaign, contacts, hours

START = datetime.fromisoformat("2026-03-04T15:00:00+00:00")
ALWAYS = hours(EVERY_DAY, "12:00 AM", "11:59 PM")


class DiesAfterClaim(Engine):
    """Commits its claim, then dies before the pre-dial transaction."""

    def _predial_all(self, repo: EngineRepository, state: _Pass, now: datetime) -> list[Any]:
        return []


class DiesAfterCommit(Engine):
    """Commits the attempt rows, then dies before asking the network to call."""

    def _launch(self, *args: Any) -> None:
        return None


def scenario(attempts: int = 2, retry: int = 10) -> Scenario:
    body = campaign(
        ["People"], "Blocked", days=ALWAYS, attempts=attempts, retry=retry, timezone="UTC"
    )
    return Scenario.model_validate(
        {
            "start": START.isoformat(),
            "lines": 10,
            "cps": 10,
            "contactLists": [{"name": "People", "contacts": contacts(4, ["UTC"])}],
            "dncLists": [{"name": "Blocked", "numbers": []}],
            "campaign": body,
        }
    )


def carrier(clock: VirtualClock, talk: float = 20.0) -> SimulatedCarrier:
    profile = CarrierProfile(
        answer=1, busy=0, no_answer=0, failed=0, machine=0, ring_s=(2, 2), talk_s=(talk, talk)
    )
    return SimulatedCarrier(clock, profile)


def engine(cls: type[Engine], world: World, name: str, talk: float = 20.0) -> Engine:
    settings = EngineSettings(worker=name, lease_s=30, tick_s=5, recover_every_s=5, quantum_s=1)
    return cls(world.dialer_db, world.clock, carrier(world.clock, talk), settings)


def in_world(url: str, body: Callable[[World], Awaitable[None]], plan: Scenario) -> None:
    async def main() -> None:
        clock = VirtualClock(START)
        world = World(url, clock)

        async def drive() -> None:
            campaign_id = await world.setup(plan)
            await world.trigger(campaign_id)
            await body(world)

        try:
            await clock.run(drive())
        finally:
            await world.close()

    asyncio.run(main())


async def rows(world: World) -> tuple[list[Attempt], list[DialTask]]:
    async with world.sessions() as session:
        attempts = list(await session.scalars(select(Attempt).order_by(Attempt.id)))
        tasks = list(await session.scalars(select(DialTask).order_by(DialTask.id)))
    return attempts, tasks


def test_a_claim_whose_worker_died_is_dialed_once_by_another(database_url: str) -> None:
    async def body(world: World) -> None:
        await engine(DiesAfterClaim, world, "A").step()
        _, tasks = await rows(world)
        assert {t.state for t in tasks} == {"CLAIMED"}
        await world.clock.sleep(31)
        survivor = engine(Engine, world, "B")
        await survivor.run(until=lambda: survivor.active_runs == 0)
        attempts, tasks = await rows(world)
        assert [a.attempt_no for a in attempts] == [1, 1, 1, 1]
        assert {a.worker for a in attempts} == {"B"}
        assert {(t.state, t.disposition) for t in tasks} == {("DONE", "Connected")}

    in_world(database_url, body, scenario())


def test_a_dial_whose_worker_died_is_unknown_and_not_redialed_at_once(database_url: str) -> None:
    async def body(world: World) -> None:
        await engine(DiesAfterCommit, world, "A").step()
        dead_at = world.clock.now()
        attempts, tasks = await rows(world)
        assert {a.state for a in attempts} == {"DIALING"} and len(attempts) == 4
        await world.clock.sleep(31)
        survivor = engine(Engine, world, "B")
        await survivor.run(until=lambda: survivor.active_runs == 0)
        attempts, tasks = await rows(world)
        first = [a for a in attempts if a.attempt_no == 1]
        second = [a for a in attempts if a.attempt_no == 2]
        assert {(a.state, a.outcome) for a in first} == {("UNKNOWN", "unknown")}
        assert {a.worker for a in second} == {"B"} and len(second) == 4
        assert min(a.started_at for a in second) >= dead_at + timedelta(minutes=10)
        assert {(t.state, t.disposition) for t in tasks} == {("DONE", "Connected")}

    in_world(database_url, body, scenario(attempts=2, retry=10))


def test_unknown_outcome_uses_up_the_last_attempt(database_url: str) -> None:
    async def body(world: World) -> None:
        await engine(DiesAfterCommit, world, "A").step()
        await world.clock.sleep(31)
        survivor = engine(Engine, world, "B")
        await survivor.run(until=lambda: survivor.active_runs == 0)
        attempts, tasks = await rows(world)
        assert len(attempts) == 4 and {a.state for a in attempts} == {"UNKNOWN"}
        assert {(t.state, t.disposition, t.attempts_made) for t in tasks} == {("DONE", "Failed", 1)}

    in_world(database_url, body, scenario(attempts=1))


def test_a_stalled_worker_cannot_overwrite_the_recovery(database_url: str) -> None:
    async def body(world: World) -> None:
        stalled = engine(Engine, world, "A", talk=100)
        await stalled.step()
        await world.clock.sleep(40)  # A neither renews nor records: its leases lapse
        survivor = engine(Engine, world, "B")
        await survivor.step()
        attempts, _ = await rows(world)
        assert {a.state for a in attempts} == {"UNKNOWN"}
        await world.clock.sleep(70)  # A's calls end now; A wakes up and tries to record
        await stalled.step()
        assert not stalled.flights
        attempts, tasks = await rows(world)
        assert {a.state for a in attempts} == {"UNKNOWN"}
        assert {t.lease_owner for t in tasks} == {None}

    in_world(database_url, body, scenario())


def test_two_live_workers_share_the_work_without_duplicates(database_url: str) -> None:
    async def body(world: World) -> None:
        one, two = engine(Engine, world, "A", talk=100), engine(Engine, world, "B", talk=100)

        async def work(e: Engine) -> None:
            await e.run(until=lambda: e.active_runs == 0)

        await world.clock.join(world.clock.spawn(work(one)), world.clock.spawn(work(two)))
        attempts, tasks = await rows(world)
        assert len(attempts) == 4 and {a.state for a in attempts} == {"DONE"}
        assert {(t.state, t.disposition) for t in tasks} == {("DONE", "Connected")}

    in_world(database_url, body, scenario())


def test_campaigns_of_one_account_share_lines_by_priority(database_url: str) -> None:
    """Two campaigns run at once on 5 lines: priority 4 and 1 get 4 and 1 of them while
    both have calls to make."""
    plan = Scenario.model_validate(
        {
            "start": START.isoformat(),
            "lines": 5,
            "cps": 50,
            "contactLists": [{"name": "People", "contacts": contacts(60, ["UTC"])}],
            "dncLists": [{"name": "Blocked", "numbers": []}],
            "campaign": campaign(
                ["People"], "Blocked", days=ALWAYS, priority="4", name="High", timezone="UTC"
            ),
        }
    )

    async def body(world: World) -> None:
        low = await world.campaign(
            campaign(["People"], "Blocked", days=ALWAYS, priority="1", name="Low", timezone="UTC")
        )
        await world.trigger(low)
        worker = engine(Engine, world, "A", talk=100)
        for _ in range(6):
            await worker.step()
            await world.clock.sleep(1)
        held: dict[str, int] = {}
        async with world.sessions() as session:
            for task in await session.scalars(select(DialTask).where(DialTask.state == "DIALING")):
                held[task.campaign_id] = held.get(task.campaign_id, 0) + 1
        assert held == {low: 1, next(k for k in held if k != low): 4}

    in_world(database_url, body, plan)
