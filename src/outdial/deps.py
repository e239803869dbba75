"""FastAPI dependencies shared by every resource: settings, database sessions and the
blocking engine, the clock, and the dialer's wake-up call.

Objects are built once in `create_app` and kept on `app.state`; these functions only hand
them to endpoints, so nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.config import Settings
from outdial.kit.clock import Clock


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


def get_read_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.read_sessions
    return sessions


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A writing session for one endpoint call; what it did not commit is rolled back."""
    async with get_sessions(request)() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session: on SQLite it never waits for, nor blocks, a writer."""
    async with get_read_sessions(request)() as session:
        yield session


def get_clock(request: Request) -> Clock:
    """The service's clock (tests swap in a virtual one)."""
    clock: Clock = request.app.state.clock
    return clock


def get_blocking_db(request: Request) -> Engine:
    """The process's blocking engine, for work that runs in a thread (imports, the dialer)."""
    engine: Engine = request.app.state.blocking_db
    return engine


def get_wake(request: Request) -> Callable[[], None]:
    """Wakes this process's dialer, so a trigger takes effect without waiting for its tick."""
    wake: Callable[[], None] = request.app.state.wake_dialer
    return wake


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
BlockingDbDep = Annotated[Engine, Depends(get_blocking_db)]
WakeDep = Annotated[Callable[[], None], Depends(get_wake)]
# scope="function": the session closes when the endpoint returns, before the response is sent
# and before background tasks run, so no transaction is ever left open behind a request.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
ReadSessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_read_sessions)]
