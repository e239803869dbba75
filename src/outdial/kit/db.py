"""Database engines and sessions for SQLite and PostgreSQL.

One URL setting serves both the async engine (the service) and the sync engine (Alembic):
`sqlite:///x.db` becomes `sqlite+aiosqlite:///x.db`, `postgresql://` becomes
`postgresql+psycopg://`. SQLite runs in WAL mode and a writing transaction starts with
`BEGIN IMMEDIATE`, so two writers wait for each other (busy timeout) instead of failing when a
read transaction tries to upgrade to a write. Read-only sessions (`make_sessions(...,
readonly=True)`) start with a plain `BEGIN`, so reads never queue behind writers. Sessions
must stay short: an idle write transaction blocks every other writer.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_MS = 30_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def async_url(url: str) -> str:
    """The driver-qualified URL for the async engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The driver-qualified URL for the sync engine (Alembic, CLI helpers)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite file so a fresh checkout can start."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_connect(dbapi_conn: Any, record: Any, durable: bool = True) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


BEGIN_OPTION = "outdial_sqlite_begin"


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _tune_sqlite(engine: Engine, durable: bool) -> None:
    event.listen(engine, "connect", functools.partial(_sqlite_connect, durable=durable))
    event.listen(engine, "begin", _sqlite_begin)


def make_async_engine(url: str, *, durable: bool = True, **kwargs: Any) -> AsyncEngine:
    """The service's engine; SQLite gets WAL, a busy timeout and immediate transactions.
    `durable=False` (throw-away simulation databases) skips SQLite's syncs."""
    ensure_sqlite_dir(url)
    engine = create_async_engine(async_url(url), **kwargs)
    if is_sqlite(url):
        _tune_sqlite(engine.sync_engine, durable)
    return engine


def make_sync_engine(url: str, *, durable: bool = True, **kwargs: Any) -> Engine:
    """A blocking engine with the same tuning, for the dialer, migrations and tools."""
    ensure_sqlite_dir(url)
    engine = create_engine(sync_url(url), **kwargs)
    if is_sqlite(url):
        _tune_sqlite(engine, durable)
    return engine


def make_sessions(
    engine: AsyncEngine, *, readonly: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit; `readonly` ones never write."""
    bind = engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}) if readonly else engine
    return async_sessionmaker(bind, expire_on_commit=False)


T = TypeVar("T")


async def in_one_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` in one session on a short-lived engine (for the CLI's one-shot commands)."""
    engine = make_async_engine(url)
    try:
        async with make_sessions(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()
