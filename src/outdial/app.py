"""`create_app(settings)`: the HTTP service with its routes, middleware and background work.

Everything long-lived (engine, sessions, background tasks) is created in the lifespan from the
settings passed in, and kept on `app.state`; nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
from collections.abc import AsyncIterator, Sequence
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from outdial import __version__, web
from outdial.auth.cache import AppCache
from outdial.auth.route import AuthenticatedRoute
from outdial.backends import build_telephony
from outdial.campaign.endpoints import ROUTES as CAMPAIGN_ROUTES
from outdial.campaign.service import prepare_pending
from outdial.config import Settings
from outdial.contact_list.endpoints import ROUTES as LIST_ROUTES
from outdial.contact_list.endpoints import is_upload
from outdial.dialer.engine import Engine, EngineSettings
from outdial.dnc.endpoints import ROUTES as DNC_ROUTES
from outdial.kit import errors
from outdial.kit.clock import SystemClock
from outdial.kit.db import make_async_engine, make_sessions, make_sync_engine
from outdial.kit.middleware import BodyLimit, SlashNormalizer
from outdial.kit.routing import Route, mount
from outdial.preview.endpoints import ROUTES as PREVIEW_ROUTES
from outdial.report.endpoints import ROUTES as REPORT_ROUTES
from outdial.run.endpoints import ROUTES as RUN_ROUTES
from outdial.schedule.endpoints import ROUTES as SCHEDULE_ROUTES
from outdial.schedule.runner import run_scheduler
from outdial.schedule.runner import tick as scheduler_tick
from outdial.trunk.endpoints import ROUTES as TRUNK_ROUTES

log = structlog.get_logger(__name__)

ROUTE_TABLE: Sequence[Route] = (
    *LIST_ROUTES,
    *DNC_ROUTES,
    *CAMPAIGN_ROUTES,
    *SCHEDULE_ROUTES,
    *RUN_ROUTES,
    *REPORT_ROUTES,
    *TRUNK_ROUTES,
    *PREVIEW_ROUTES,
)
HOUSEKEEPING_S = 2.0
DRAIN_S = 30.0
DESCRIPTION = """Kore.ai-compatible Campaign Management API (v2 first, v1 forms too).

Every call needs the `auth` header carrying an HS256 JWT whose `appId` claim is an app's client
id. Endpoints marked **[outdial extension]** are not in Kore's documentation."""


async def _housekeeping(app: FastAPI) -> None:
    """Periodic chores that must survive restarts: campaigns left in Preparing, and runs
    their schedules call for."""
    while True:
        try:
            await prepare_pending(app.state.sessions)
            started, _ = await scheduler_tick(app.state.sessions, app.state.clock.now())
            if started:
                app.state.wake_dialer()
        except Exception:
            log.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_S)


def engine_settings(settings: Settings) -> EngineSettings:
    return EngineSettings(lease_s=settings.lease_seconds, tick_s=settings.tick_seconds)


async def _stop_dialer(dialer: Engine, task: asyncio.Task[None]) -> None:
    """Stop claiming, let calls in flight finish (bounded), then cancel what is left."""
    dialer.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), DRAIN_S)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_worker(settings: Settings) -> None:
    """`outdial worker`: the engine alone, until SIGINT/SIGTERM; calls in flight finish."""
    db = make_sync_engine(settings.database_url)
    clock = SystemClock()
    engine = Engine(db, clock, build_telephony(settings, clock, db), engine_settings(settings))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, engine.stop)
    log.info("worker started", worker=engine.worker)
    sessions = make_sessions(make_async_engine(settings.database_url))
    scheduler = asyncio.create_task(
        run_scheduler(sessions, clock, engine.waker.wake, lambda: engine.stopping, poll_s=2.0)
    )
    try:
        await engine.run()
    finally:
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        db.dispose()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    db = make_async_engine(settings.database_url)
    app.state.engine = db
    app.state.sessions = make_sessions(db)
    app.state.read_sessions = make_sessions(db, readonly=True)
    blocking = make_sync_engine(settings.database_url)
    app.state.blocking_db = blocking
    clock = app.state.clock
    app.state.wake_dialer = lambda: None
    app.state.dialer = None
    dialer: tuple[Engine, asyncio.Task[None]] | None = None
    if settings.dialer:
        telephony = build_telephony(settings, clock, blocking)
        engine = Engine(blocking, clock, telephony, engine_settings(settings))
        app.state.wake_dialer = engine.waker.wake
        app.state.dialer = engine
        dialer = (engine, asyncio.create_task(engine.run(), name="dialer"))
    chores = asyncio.create_task(_housekeeping(app), name="housekeeping")
    try:
        yield
    finally:
        if dialer is not None:
            await _stop_dialer(*dialer)
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
        await db.dispose()
        blocking.dispose()


def _health() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def _metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, minus its 422 answers: outdial answers validation errors with 400
    in Kore's envelope (documented on every operation)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


@functools.cache
def _router() -> APIRouter:
    """Every route; built once per process (routes hold no state, and analysing ~70 of them
    is most of an app's start-up time)."""
    router = APIRouter()
    mount(router, ROUTE_TABLE, AuthenticatedRoute)
    router.add_api_route("/healthz", _health, methods=["GET"], tags=["Service"])
    router.add_api_route("/metrics", _metrics, methods=["GET"], tags=["Service"])
    return router


def create_app(settings: Settings) -> FastAPI:
    """Build the service for the given settings."""
    app = FastAPI(
        title="outdial",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.clock = SystemClock()
    app.state.app_cache = AppCache(settings.auth_cache_seconds)
    app.state.route_table = ROUTE_TABLE
    errors.install(app)
    app.include_router(_router())
    web.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, exempt=is_upload)
    app.add_middleware(SlashNormalizer)
    return app
