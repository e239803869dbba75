"""The `Tenant` dependency: authenticates the `auth` header and pins account and stream.

accountId may arrive in the query or as a header (any case); when both are present they must
agree. An `iid` header, when sent, must name the path's stream. The app must belong to the
account and be granted the stream; otherwise the answer is Kore's 401.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyHeader

from outdial.apps.repository import AppRepository, JtiRepository
from outdial.deps import ReadSessionsDep, SessionsDep
from outdial.kit import auth
from outdial.kit.errors import bad_request, unauthorized
from outdial.kit.timefmt import utcnow
from outdial.models import App

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


async def _load_app(read_sessions: ReadSessionsDep, sessions: SessionsDep, token: str) -> App:
    """The app the token names, once its signature and jti rules check out."""
    app_id = auth.claimed_app_id(token)
    async with read_sessions() as session:
        app = await AppRepository(session).get(app_id)
        if app is None:
            raise unauthorized()
        claims = auth.verify(token, app.client_secret)
    window = auth.jti_window(claims)
    if window is not None:
        expires = datetime.fromtimestamp(window[1], UTC)
        async with sessions() as session:
            if not await JtiRepository(session).claim(app.id, window[0], expires, utcnow()):
                raise auth.replay_error()
    return app


async def require_tenant(
    request: Request,
    read_sessions: ReadSessionsDep,
    sessions: SessionsDep,
    stream_id: Annotated[str, Path(alias="streamId", description="Stream (app) id, st-...")],
    account_query: Annotated[str | None, Query(alias="accountId")] = None,
    auth_header: Annotated[str | None, Depends(AUTH_HEADER)] = None,
) -> auth.Tenant:
    """Authenticate the request and return who it acts for."""
    if not auth_header:
        raise unauthorized()
    app = await _load_app(read_sessions, sessions, auth_header)
    account_id = _account_from(account_query, request.headers.get("accountid")) or app.account_id
    iid = request.headers.get("iid")
    if iid is not None and iid != stream_id:
        raise bad_request(f"iid header ({iid}) does not match the stream in the path", "iid")
    if account_id != app.account_id or stream_id not in {s.stream_id for s in app.streams}:
        raise unauthorized()
    return auth.Tenant(app_id=app.id, account_id=account_id, stream_id=stream_id)


TenantDep = Annotated[auth.Tenant, Depends(require_tenant)]
