"""Authentication for every Kore endpoint: the `auth` JWT, the account and the stream.

`AuthenticatedRoute` authenticates before the body is read, then endpoints receive the result
through the `Tenant` dependency. accountId may arrive in the query or as a header (any
case); when both are present they must agree. An `iid` header, when sent, must name the
path's stream. The app must belong to the account and be granted the stream; otherwise the
answer is Kore's 401.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.auth.cache import AppCache, AppKey
from outdial.auth.repository import JtiRepository, KeyRepository
from outdial.kit import auth
from outdial.kit.errors import bad_request, unauthorized
from outdial.kit.timefmt import utcnow

AUTH_HEADER = APIKeyHeader(
    name="auth", auto_error=False, description="The JWT itself (no Bearer prefix)"
)


def _account_from(query: str | None, header: str | None) -> str | None:
    if query and header and query != header:
        raise bad_request(
            f"accountId in the query ({query}) and the accountId header ({header}) differ",
            "accountId",
        )
    return query or header or None


def _loader(
    read_sessions: async_sessionmaker[AsyncSession], app_id: str
) -> Callable[[], Awaitable[AppKey | None]]:
    async def load() -> AppKey | None:
        async with read_sessions() as session:
            return await KeyRepository(session).key(app_id)

    return load


async def _load_app(
    cache: AppCache,
    read_sessions: async_sessionmaker[AsyncSession],
    sessions: async_sessionmaker[AsyncSession],
    token: str,
) -> AppKey:
    """The app the token names, once its signature and jti rules check out."""
    app_id = auth.claimed_app_id(token)
    app = await cache.get(app_id, _loader(read_sessions, app_id))
    if app is None:
        raise unauthorized()
    claims = auth.verify(token, app.secret)
    window = auth.jti_window(claims)
    if window is not None:
        expires = datetime.fromtimestamp(window[1], UTC)
        async with sessions() as session:
            if not await JtiRepository(session).claim(app.app_id, window[0], expires, utcnow()):
                raise auth.replay_error()
    return app


async def authenticate(request: Request) -> auth.Tenant:
    """Who the request acts for, from the `auth` header, accountId and the path's stream."""
    token = request.headers.get("auth")
    if not token:
        raise unauthorized()
    state = request.app.state
    app = await _load_app(state.app_cache, state.read_sessions, state.sessions, token)
    stream_id = str(request.path_params.get("streamId", ""))
    header_account = request.headers.get("accountid")
    account_id = _account_from(request.query_params.get("accountId"), header_account)
    account_id = account_id or app.account_id
    iid = request.headers.get("iid")
    if iid is not None and iid != stream_id:
        raise bad_request(f"iid header ({iid}) does not match the stream in the path", "iid")
    if account_id != app.account_id or stream_id not in app.streams:
        raise unauthorized()
    return auth.Tenant(app_id=app.app_id, account_id=account_id, stream_id=stream_id)


class AuthenticatedRoute(APIRoute):
    """A route that authenticates before FastAPI reads the body, so a request without valid
    credentials is always a 401, whatever else is wrong with it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authenticated(request: Request) -> Response:
            request.state.tenant = await authenticate(request)
            return await handler(request)

        return authenticated


def current_tenant(
    request: Request,
    stream_id: Annotated[str, Path(alias="streamId", description="Stream (app) id, st-...")],
    account_id: Annotated[
        str | None, Query(alias="accountId", description="Account id (or accountId header)")
    ] = None,
    auth_header: Annotated[str | None, Depends(AUTH_HEADER)] = None,
) -> auth.Tenant:
    """The tenant `AuthenticatedRoute` established (the parameters document the API)."""
    tenant: auth.Tenant = request.state.tenant
    return tenant


TenantDep = Annotated[auth.Tenant, Depends(current_tenant)]
