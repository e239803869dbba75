"""Run a campaign to a known state in virtual time, then look at it through the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from outdial.app import create_app
from outdial.apps.service import Credentials
from outdial.config import Settings
from outdial.dialer.engine import Engine, EngineSettings
from outdial.kit.clock import VirtualClock
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import STREAM, World
from outdial.telephony.base import Outcome
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier
from tests.api import Api


def carrier(clock: VirtualClock, script: dict[str, list[Outcome]]) -> SimulatedCarrier:
    """Scripted numbers get their fates; anyone else answers."""
    profile = CarrierProfile(
        answer=1,
        busy=0,
        no_answer=0,
        failed=0,
        machine=0,
        ring_s=(3, 3),
        talk_s=(30, 30),
        script=script,
    )
    return SimulatedCarrier(clock, profile)


def engine(world: World, script: dict[str, list[Outcome]]) -> Engine:
    settings = EngineSettings(worker="test", lease_s=600, tick_s=3600, recover_every_s=600)
    return Engine(world.dialer_db, world.clock, carrier(world.clock, script), settings)


def in_virtual_time(
    url: str,
    start: datetime,
    body: Callable[[World], Awaitable[Any]],
) -> tuple[Any, Credentials]:
    """Run `body` with a fresh World on a virtual clock; returns its result and the app's
    credentials (for calling the API on the same database afterwards)."""

    async def main() -> tuple[Any, Credentials]:
        clock = VirtualClock(start)
        world = World(url, clock)
        try:
            result = await clock.run(body(world))
            assert world.credentials is not None
            return result, world.credentials
        finally:
            await world.close()

    return asyncio.run(main())


async def play_to_the_end(world: World, plan: Scenario, script: dict[str, list[Outcome]]) -> str:
    """Set up, start and run the campaign until its run completes; returns its id."""
    campaign_id = await world.setup(plan)
    await world.trigger(campaign_id)
    worker = engine(world, script)
    await worker.run(until=lambda: worker.active_runs == 0)
    return campaign_id


@contextmanager
def api_on(url: str, creds: Credentials) -> Iterator[Api]:
    """The API (dialer off) on a database a virtual-time run left behind."""
    with TestClient(create_app(Settings(database_url=url, dialer=False))) as client:
        yield Api(client, creds, STREAM)
