"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL), the app, tenants.

`OUTDIAL_TEST_BACKEND` picks the backend for the whole run (`make test` runs the suite once
with each). PostgreSQL comes from `OUTDIAL_TEST_DATABASE_URL`; when it is unreachable the
PostgreSQL run skips, except under `CI=true`, where that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from outdial import migrations
from outdial.app import create_app
from outdial.apps.service import Credentials
from outdial.apps.service import create_app as create_credentials
from outdial.config import Settings
from outdial.kit.db import make_async_engine, make_sessions, make_sync_engine
from outdial.models import Base
from tests.api import Api

BACKEND = os.environ.get("OUTDIAL_TEST_BACKEND", "sqlite")
BASE_PG_URL = os.environ.get(
    "OUTDIAL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_url(base: str) -> str:
    """Under pytest-xdist each worker gets its own database (`test_gw0`, ...)."""
    if not WORKER:
        return base
    url = make_url(base)
    return url.set(database=f"{url.database}_{WORKER}").render_as_string(hide_password=False)


PG_URL = _worker_url(BASE_PG_URL)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_reachable() -> bool:
    try:
        admin = make_url(BASE_PG_URL).set(database="postgres").render_as_string(False)
        engine = make_sync_engine(
            admin, connect_args={"connect_timeout": 3}, isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            _create_database(conn, str(make_url(PG_URL).database))
        engine.dispose()
        return True
    except Exception:
        return False


def _create_database(conn: Connection, name: str) -> None:
    exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    if not exists:
        conn.execute(text(f'CREATE DATABASE "{name}"'))


def _reset_pg() -> None:
    engine = make_sync_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrations.upgrade(PG_URL)


def _truncate_pg() -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    engine = make_sync_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database to copy (SQLite) or the migrated PostgreSQL URL."""
    if BACKEND == "postgresql":
        if not _pg_reachable():
            if IN_CI:
                pytest.fail(f"PostgreSQL is unreachable at {PG_URL} (CI=true)")
            pytest.skip(f"PostgreSQL is unreachable at {PG_URL}")
        _reset_pg()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(_template: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if BACKEND == "postgresql":
        _truncate_pg()
        return _template
    target = tmp_path / "outdial.db"
    shutil.copy(_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, default_region="US", auth_cache_seconds=0)


def make_credentials(
    settings: Settings, account: str, streams: list[str], name: str = "test"
) -> Credentials:
    """Register an app straight through the service, as `outdial apps create` does."""

    async def work() -> Credentials:
        engine = make_async_engine(settings.database_url)
        try:
            async with make_sessions(engine)() as session:
                return await create_credentials(session, settings, account, streams, name)
        finally:
            await engine.dispose()

    return asyncio.run(work())


ACCOUNT_A = "a" * 24
ACCOUNT_B = "b" * 24
STREAM_A1 = "st-aaaaaaa1-0000-4000-8000-000000000001"
STREAM_A2 = "st-aaaaaaa2-0000-4000-8000-000000000002"
STREAM_B1 = "st-bbbbbbb1-0000-4000-8000-000000000001"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def creds(settings: Settings) -> Credentials:
    return make_credentials(settings, ACCOUNT_A, [STREAM_A1, STREAM_A2])


@pytest.fixture
def api(client: TestClient, creds: Credentials) -> Api:
    """A client authenticated as account A on its first stream."""
    return Api(client, creds, creds.streams[0])
