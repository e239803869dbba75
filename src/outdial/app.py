"""`create_app(settings)`: the HTTP service with its routes, middleware and background work.

Everything long-lived (engine, sessions, background tasks) is created in the lifespan from the
settings passed in, and kept on `app.state`; nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from outdial import __version__
from outdial.campaign.endpoints import ROUTES as CAMPAIGN_ROUTES
from outdial.campaign.service import prepare_pending
from outdial.config import Settings
from outdial.contact_list.endpoints import ROUTES as LIST_ROUTES
from outdial.dnc.endpoints import ROUTES as DNC_ROUTES
from outdial.kit import errors
from outdial.kit.db import make_async_engine, make_sessions
from outdial.kit.middleware import BodyLimit, SlashNormalizer
from outdial.kit.routing import Route, mount

log = structlog.get_logger(__name__)

ROUTE_TABLE: Sequence[Route] = (*LIST_ROUTES, *DNC_ROUTES, *CAMPAIGN_ROUTES)
HOUSEKEEPING_S = 2.0
DESCRIPTION = """Kore.ai-compatible Campaign Management API (v2 first, v1 forms too).

Every call needs the `auth` header carrying an HS256 JWT whose `appId` claim is an app's client
id. Endpoints marked **[outdial extension]** are not in Kore's documentation."""


async def _housekeeping(app: FastAPI) -> None:
    """Periodic chores that must survive restarts: campaigns left in Preparing."""
    while True:
        try:
            await prepare_pending(app.state.sessions)
        except Exception:
            log.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_S)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = make_async_engine(settings.database_url)
    app.state.engine = engine
    app.state.sessions = make_sessions(engine)
    app.state.read_sessions = make_sessions(engine, readonly=True)
    chores = asyncio.create_task(_housekeeping(app), name="housekeeping")
    try:
        yield
    finally:
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
        await engine.dispose()


def _health() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def create_app(settings: Settings) -> FastAPI:
    """Build the service for the given settings."""
    app = FastAPI(
        title="outdial",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.route_table = ROUTE_TABLE
    errors.install(app)
    router = APIRouter()
    mount(router, ROUTE_TABLE)
    router.add_api_route("/healthz", _health, methods=["GET"], tags=["Service"])
    app.include_router(router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, exempt=lambda _: False)
    app.add_middleware(SlashNormalizer)
    return app
