"""Dialer benchmarks.

* Scheduling overhead per attempt at 10k, 100k and 1M contacts: the engine's own database
  work (claims, pre-dial checks, attempt rows, outcomes) per call, measured over the first
  attempts of a run with an instant carrier on a virtual clock. It should stay flat as the
  list grows; the ratio to the 10k figure is printed.
* A whole simulated 100,000-contact campaign through `outdial simulate`'s code path.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bench.common import always_open_campaign, fresh_database, numbers
from outdial.dialer.engine import Engine, EngineSettings
from outdial.kit.clock import VirtualClock
from outdial.kit.phone import read_number
from outdial.kit.timefmt import utcnow
from outdial.models import Contact, ContactList
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World, simulate
from outdial.telephony.base import CallRequest, CallResult
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier

START = datetime(2026, 3, 4, 12, tzinfo=UTC)
SAMPLE_ATTEMPTS = 4_000
CHUNK = 20_000


class CountingCarrier(SimulatedCarrier):
    """Counts the calls it is asked to place."""

    placed = 0

    async def place_call(self, request: CallRequest) -> CallResult:
        type(self).placed += 1
        return await super().place_call(request)


async def _bulk_contacts(world: World, list_id: str, count: int) -> None:
    """Contacts straight into the table (the import path has its own benchmark)."""
    now = utcnow()
    phones = numbers(count)
    zones = {area: read_number(p, "US").zone for area, p in {p[:5]: p for p in phones}.items()}
    for start in range(0, count, CHUNK):
        rows = [
            {
                "list_id": list_id,
                "account_id": world.tenant.account_id,
                "stream_id": world.tenant.stream_id,
                "phone_number": p,
                "number_zone": zones[p[:5]],
                "created_at": now,
                "updated_at": now,
            }
            for p in phones[start : start + CHUNK]
        ]
        async with world.sessions() as session:
            await session.execute(insert(Contact), rows)
            await session.commit()


async def _overhead(url: str, count: int) -> dict[str, Any]:
    clock = VirtualClock(START)
    world = World(url, clock)

    async def main() -> dict[str, Any]:
        scenario = Scenario.model_validate(
            {
                "start": START.isoformat(),
                "lines": 500,
                "cps": 1000,
                "contactLists": [{"name": "People", "contacts": []}],
                "dncLists": [{"name": "Blocked", "numbers": ["+19175550100"]}],
                "campaign": always_open_campaign(["People"], "Blocked"),
            }
        )
        campaign_id = await world.setup(scenario)
        lists = await _list_ids(world)
        await _bulk_contacts(world, lists["people"], count)
        begin = time.perf_counter()
        await world.trigger(campaign_id)
        run_created = time.perf_counter() - begin
        profile = CarrierProfile(
            answer=1, busy=0, no_answer=0, failed=0, machine=0, ring_s=(1, 1), talk_s=(1, 1)
        )
        CountingCarrier.placed = 0
        engine = Engine(
            world.dialer_db,
            clock,
            CountingCarrier(clock, profile),
            EngineSettings(worker="bench", lease_s=600, tick_s=60, quantum_s=1, batch=500),
        )
        begin = time.perf_counter()
        await engine.run(until=lambda: CountingCarrier.placed >= SAMPLE_ATTEMPTS)
        engine_s = time.perf_counter() - begin
        placed = CountingCarrier.placed
        return {
            "contacts": count,
            "runCreatedS": round(run_created, 2),
            "attempts": placed,
            "usPerAttempt": round(engine_s / placed * 1e6, 1),
        }

    try:
        return await clock.run(main())
    finally:
        await world.close()


async def _list_ids(world: World) -> dict[str, str]:
    async with world.sessions() as session:
        rows = await session.execute(
            select(ContactList.lname, ContactList.id).where(
                ContactList.account_id == world.tenant.account_id
            )
        )
        return {lname: list_id for lname, list_id in rows}


def scheduling_overhead(backend: str, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    results = []
    for size in sizes:
        with fresh_database(backend) as url:
            results.append(asyncio.run(_overhead(url, size)))
    base = results[0]["usPerAttempt"]
    for row in results:
        row["ratioTo10k"] = round(row["usPerAttempt"] / base, 2)
        row["backend"] = backend
    return results


def simulated_campaign(count: int = 100_000) -> dict[str, Any]:
    """`outdial simulate` on a 100k-contact scenario; wall seconds from start to report."""
    contacts = [{"phoneNumber": p} for p in numbers(count)]
    scenario = Scenario.model_validate(
        {
            "start": START.isoformat(),
            "seed": 3,
            "lines": 500,
            "cps": 100,
            "carrier": {
                "answer": 0.6,
                "busy": 0.1,
                "noAnswer": 0.2,
                "failed": 0.05,
                "machine": 0.05,
            },
            "contactLists": [{"name": "People", "contacts": contacts}],
            "dncLists": [{"name": "Blocked", "numbers": contacts and [contacts[0]["phoneNumber"]]}],
            "campaign": always_open_campaign(["People"], "Blocked"),
        }
    )
    begin = time.perf_counter()
    report = asyncio.run(simulate(scenario))
    wall = time.perf_counter() - begin
    return {
        "contacts": count,
        "attempts": report["attempts"],
        "wallSeconds": round(wall, 1),
        "virtualSeconds": report["virtualSeconds"],
        "maxLines": report["lineOccupancy"]["max"],
    }
