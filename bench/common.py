"""Shared bench plumbing: fresh databases, phone numbers, a campaign body."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text

from outdial import migrations
from outdial.kit.db import make_sync_engine

# a database of its own: each measurement drops and recreates its schema, which must never
# touch the test suite's databases
PG_URL = os.environ.get(
    "OUTDIAL_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/outdial_bench"
)
AREAS = ("212", "213", "303", "312", "415", "512", "617", "702", "206", "404")


def numbers(count: int) -> list[str]:
    """`count` distinct valid US numbers spread over ten area codes (ten zones' worth)."""
    out: list[str] = []
    exchange = 201
    while len(out) < count:
        for area in AREAS:
            for line in range(0, 10_000, 7):
                out.append(f"+1{area}{exchange}{line:04d}")
        exchange += 1
    return out[:count]


def _ensure_pg_database() -> None:
    """Create the bench database through the maintenance database when it is missing."""
    url = make_url(PG_URL)
    admin = make_sync_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def pg_available() -> bool:
    try:
        _ensure_pg_database()
        engine = make_sync_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A migrated, empty database URL for one measurement."""
    if backend == "postgresql":
        engine = make_sync_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        migrations.upgrade(PG_URL)
        yield PG_URL
        return
    with tempfile.TemporaryDirectory(prefix="outdial-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrations.upgrade(url)
        yield url


def always_open_campaign(lists: list[str], dnc: str, **strategy: Any) -> dict[str, Any]:
    """A v2 Agentless body dialing every day around the clock (zone: UTC)."""
    days = [
        {"day": d, "start": "12:00 AM", "end": "11:59 PM"}
        for d in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    ]
    return {
        "name": "Bench",
        "description": "benchmark",
        "contactLists": lists,
        "dncLists": {"name": dnc},
        "priority": "5",
        "dialingMode": "Agentless",
        "dialingStrategy": {
            "callerId": {"phoneNumber": "+14155550100"},
            "callingHours": {"frequency": "WEEKLY", "timezone": "UTC", "days": days},
            "dialingOrder": "FIFO",
            "maxAttemptsPerRecord": strategy.get("attempts", 3),
            "defaultRetryPeriod": strategy.get("retry", 10),
            "maxRingTime": 30,
        },
        "experienceFlowName": "Bench Flow",
        "enableMachineDetect": "no",
        "campaignType": "voice",
    }
