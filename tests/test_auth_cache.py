"""The per-process cache of app credentials: loads once per lifetime, forgets unknown apps,
stays bounded, and a rotated secret stops working once the entry lapses."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from outdial.app import create_app
from outdial.apps.service import rotate_secret
from outdial.auth import cache as cache_module
from outdial.auth.cache import AppCache, AppKey
from outdial.config import Settings
from outdial.kit.auth import mint
from outdial.kit.db import make_async_engine, make_sessions
from tests.api import Api
from tests.conftest import ACCOUNT_A, STREAM_A1, make_credentials

KEY = AppKey("cs-1", "secret", "a" * 24, frozenset({"st-1"}))


def test_entries_live_for_their_lifetime() -> None:
    clock = [100.0]
    loads: list[str] = []
    cache = AppCache(5, now=lambda: clock[0])

    async def load() -> AppKey | None:
        loads.append("load")
        return KEY

    async def scenario() -> None:
        assert await cache.get("cs-1", load) == KEY
        clock[0] += 4.9
        assert await cache.get("cs-1", load) == KEY
        assert loads == ["load"]
        clock[0] += 0.2
        await cache.get("cs-1", load)
        assert loads == ["load", "load"]
        cache.forget("cs-1")
        await cache.get("cs-1", load)
        assert len(loads) == 3

    asyncio.run(scenario())


def test_unknown_apps_are_not_kept_and_size_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    cache = AppCache(60)
    calls = []

    async def missing() -> AppKey | None:
        calls.append(1)
        return None

    async def scenario() -> None:
        await cache.get("nobody", missing)
        await cache.get("nobody", missing)
        for i in range(5):

            async def found(i: int = i) -> AppKey | None:
                return AppKey(f"cs-{i}", "s", "a" * 24, frozenset())

            await cache.get(f"cs-{i}", found)

    asyncio.run(scenario())
    assert len(calls) == 2
    assert list(cache._entries) == ["cs-2", "cs-3", "cs-4"]


def test_a_rotated_secret_is_refused_once_the_entry_lapses(database_url: str) -> None:
    settings = Settings(database_url=database_url, auth_cache_seconds=3600, dialer=False)
    creds = make_credentials(settings, ACCOUNT_A, [STREAM_A1])
    with TestClient(create_app(settings)) as client:
        api = Api(client, creds, STREAM_A1)
        assert api.get("/campaign/getAllCampaignDetails").status_code == 200

        async def rotate() -> None:
            engine = make_async_engine(database_url)
            async with make_sessions(engine)() as session:
                await rotate_secret(session, creds.client_id)
            await engine.dispose()

        asyncio.run(rotate())
        assert api.get("/campaign/getAllCampaignDetails").status_code == 200  # cached
        client.app.state.app_cache.forget(creds.client_id)  # type: ignore[attr-defined]
        assert api.get("/campaign/getAllCampaignDetails").status_code == 401
        assert mint(creds.client_id, creds.client_secret) == api.token
