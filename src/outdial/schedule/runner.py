"""The scheduler loop: starts due runs, sleeping on the clock until the next one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.kit.clock import Clock
from outdial.schedule.repository import ScheduleRepository
from outdial.schedule.service import start_due

log = structlog.get_logger(__name__)


async def tick(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[list[str], datetime | None]:
    """Start what is due now; returns the runs started and when the next start is due."""
    async with sessions() as session:
        started = await start_due(session, now)
    for run_id in started:
        log.info("scheduled run started", run=run_id)
    async with sessions() as session:
        return started, await ScheduleRepository(session).next_due()


async def run_scheduler(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    on_start: Callable[[], None],
    until: Callable[[], bool],
    poll_s: float = 30.0,
) -> None:
    """Start scheduled runs on time until `until()`; `on_start` wakes the dialer."""
    while not until():
        started, due = await tick(sessions, clock.now())
        if started:
            on_start()
        wait = poll_s if due is None else (due - clock.now()).total_seconds()
        await clock.sleep(min(max(wait, 0.0), poll_s))
