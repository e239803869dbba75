"""`outdial simulate`: a whole campaign in virtual time, on a fresh temporary database.

The scenario is built through the same services the API uses (lists, DNC lists, the v2
campaign body, the play trigger), then the same `Engine` runs it with a `VirtualClock` and the
seeded `SimulatedCarrier`. The report and the attempts file come from the database the engine
wrote, exactly as the attempts export would show them.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial import migrations
from outdial.apps.service import Credentials, set_limits
from outdial.apps.service import create_app as create_credentials
from outdial.campaign.schemas import CampaignBody
from outdial.campaign.service import CampaignService, prepare
from outdial.config import Settings
from outdial.contact_list.schemas import AddContactsBody, ContactListCreate, ContactListUpdate
from outdial.contact_list.service import ContactListService
from outdial.dialer.engine import Engine, EngineSettings
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.clock import Clock, VirtualClock
from outdial.kit.db import make_async_engine, make_sessions, make_sync_engine
from outdial.kit.errors import ErrorItem, invalid, translate
from outdial.kit.timefmt import iso
from outdial.models import Attempt
from outdial.report.repository import ReportRepository
from outdial.run.export import iter_attempts
from outdial.run.service import RunService
from outdial.simulation.scenario import DncAddition, Scenario
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier

CHUNK = 10_000
# finished calls are recorded on 5-second boundaries: a pass costs milliseconds of wall time,
# so a busy simulated day would otherwise take one pass per virtual second
QUANTUM_S = 5.0
STREAM = "st-00000000-0000-4000-8000-00000000510a"


class World:
    """The database, tenant and clock of one simulation (tests build on it too)."""

    def __init__(self, url: str, clock: Clock) -> None:
        self.settings = Settings(database_url=url, dialer=False)
        durable = not url.startswith("sqlite") or "outdial-sim-" not in url
        self.db = make_async_engine(url, durable=durable)
        self.dialer_db = make_sync_engine(url, durable=durable)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessions(self.db)
        self.clock = clock
        self.tenant = Tenant("", "", STREAM)
        self.credentials: Credentials | None = None

    async def setup(self, scenario: Scenario) -> str:
        """Account, lists, DNC lists and the campaign; returns the campaign id."""
        async with self.sessions() as session:
            creds = await create_credentials(session, self.settings, ids.account_id(), [STREAM])
            await set_limits(session, creds.account_id, scenario.lines, scenario.cps)
        self.tenant = Tenant(creds.client_id, creds.account_id, STREAM)
        self.credentials = creds
        for contact_list in scenario.contactLists:
            await self._list(contact_list.name, "call", contact_list.contacts)
        for dnc in scenario.dncLists:
            await self._list(
                dnc.name, "dnc", [{"phoneNumber": n} for n in dnc.numbers], dnc.is_global
            )
        return await self.campaign(scenario.campaign)

    async def campaign(self, body: dict[str, Any]) -> str:
        """Create a campaign from a v2 body and let it become Ready; returns its id."""
        try:
            parsed = CampaignBody.model_validate(body)
        except ValidationError as exc:  # the API's own answer, with "campaign." in front
            raise invalid(
                [
                    ErrorItem(f"campaign.{i.msg}", 400, f"campaign.{i.field}")
                    for i in translate(exc.errors())
                ]
            ) from exc
        async with self.sessions() as session:
            view = await CampaignService(session, self.tenant).create(parsed, "v2")
        await prepare(self.sessions, view.row.id)
        return view.row.id

    async def trigger(self, campaign_id: str, action: str = "play") -> str:
        """Trigger a campaign at the current virtual time; returns the run id."""
        async with self.sessions() as session:
            service = RunService(session, self.tenant)
            done = await service.trigger(campaign_id, action, self.clock.now())
        return done.run_id

    async def _list(
        self, name: str, kind: str, rows: list[dict[str, Any]], glob: bool = False
    ) -> None:
        async with self.sessions() as session:
            service = ContactListService(session, self.tenant, self.settings.default_region)
            body = ContactListCreate(
                name=name,
                description="simulated",
                listType="dnc" if kind == "dnc" else "call",
                allowDuplicates=True,
            )
            created = await service.create(body)
            if glob:
                await service.update(created.row.id, ContactListUpdate(isGlobalDNC=True))
        await self.add(name, rows)

    async def add(self, name: str, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            async with self.sessions() as session:
                service = ContactListService(session, self.tenant, self.settings.default_region)
                body = AddContactsBody(contact_list_name=name, data=rows[start : start + CHUNK])
                await service.add_contacts(body)

    async def close(self) -> None:
        await self.db.dispose()
        self.dialer_db.dispose()

    async def add_later(self, addition: DncAddition) -> None:
        """A DNC addition that happens mid-run, at its virtual time."""
        await self.clock.sleep((addition.at - self.clock.now()).total_seconds())
        await self.add(addition.list_name, [{"phoneNumber": n} for n in addition.numbers])


def _occupancy(attempts: list[Attempt], start: datetime, end: datetime) -> dict[str, float]:
    """Maximum and time-averaged number of calls in progress."""
    edges = sorted(
        [(a.started_at, 1) for a in attempts] + [(a.ended_at or end, -1) for a in attempts]
    )
    busy = peak = 0
    area = 0.0
    last = start
    for at, delta in edges:
        area += busy * (at - last).total_seconds()
        busy += delta
        peak = max(peak, busy)
        last = at
    span = max((end - start).total_seconds(), 1e-9)
    return {"max": peak, "average": round(area / span, 3)}


async def _report(world: World, campaign_id: str, started: datetime, wall: float) -> dict[str, Any]:
    async with world.sessions() as session:
        repo = ReportRepository(session, world.tenant)
        attempts = await repo.campaign_attempts(campaign_id)
        tasks = await repo.campaign_tasks(campaign_id)
    end = world.clock.now()
    return {
        "campaignId": campaign_id,
        "start": iso(started),
        "end": iso(end),
        "virtualSeconds": round((end - started).total_seconds(), 3),
        "wallSeconds": round(wall, 3),
        "attempts": len(attempts),
        "outcomes": dict(Counter(a.outcome or "in_progress" for a in attempts)),
        "dispositions": dict(Counter(t.disposition or "Pending" for t in tasks)),
        "records": [
            {
                "phoneNumber": t.phone_number,
                "timeZone": t.time_zone,
                "state": t.state,
                "disposition": t.disposition,
                "attempts": t.attempts_made,
            }
            for t in tasks
        ],
        "lineOccupancy": _occupancy(attempts, started, end),
    }


async def simulate(
    scenario: Scenario, attempts_out: Path | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Run `scenario` to completion (or `until`) and report what happened. Without
    `database_url` a temporary SQLite database is used; a given one must be migrated and
    empty (the tests run simulations on PostgreSQL this way)."""
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="outdial-sim-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'sim.db'}"
        if database_url is None:
            migrations.upgrade(url)
        clock = VirtualClock(scenario.start)
        world = World(url, clock)
        try:
            return await clock.run(_drive(world, scenario, attempts_out, wall))
        finally:
            await world.close()


async def _drive(world: World, scenario: Scenario, out: Path | None, wall: float) -> dict[str, Any]:
    campaign_id = await world.setup(scenario)
    start = world.clock.now()
    await world.trigger(campaign_id)
    later = [world.clock.spawn(world.add_later(a), name="dnc") for a in scenario.dncAdditions]
    mix = scenario.carrier
    profile = CarrierProfile(
        answer=mix.answer,
        busy=mix.busy,
        no_answer=mix.noAnswer,
        failed=mix.failed,
        machine=mix.machine,
        seed=scenario.seed,
    )
    carrier = SimulatedCarrier(world.clock, profile)
    engine = Engine(
        world.dialer_db,
        world.clock,
        carrier,
        EngineSettings(
            worker="simulate",
            lease_s=600.0,
            tick_s=3600.0,
            recover_every_s=600.0,
            quantum_s=QUANTUM_S,
        ),
    )
    until = scenario.until or start + timedelta(days=366)
    await engine.run(until=lambda: engine.active_runs == 0, deadline=until)
    for task in later:
        task.cancel()
    if out is not None:
        with out.open("w", encoding="utf-8") as handle:
            async for row in iter_attempts(world.sessions, world.tenant, campaign_id, None):
                handle.write(json.dumps(row) + "\n")
    return await _report(world, campaign_id, start, time.perf_counter() - wall)
