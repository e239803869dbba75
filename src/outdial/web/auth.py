"""Who is looking at the dashboard: the signed-in app, its account and its streams.

A page names its stream in the path; the session may use only its app's streams, and every
service call runs as `Tenant(app, account, stream)`, exactly as the API would for that app's
JWT, so the dashboard sees what the app's API calls would see and nothing more.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.apps.repository import AppRepository
from outdial.kit.auth import Tenant
from outdial.models import App
from outdial.web import session as cookies
from outdial.web.session import Session

SIGN_IN = "/ui/signin"


class SignInRequiredError(Exception):
    """No valid session: the visitor is sent to the sign-in page."""


class PageNotFoundError(Exception):
    """A page, or an object on it, that this session cannot see (answered with a 404 page)."""

    def __init__(self, message: str = "This page does not exist, or you cannot see it.") -> None:
        super().__init__(message)
        self.message = message


class CsrfError(Exception):
    """A form posted without this session's CSRF token (answered with a 403 page)."""


@dataclass(frozen=True)
class Operator:
    """A signed-in session: its app, account and streams."""

    session: Session
    app_id: str
    account_id: str
    streams: tuple[str, ...]

    def tenant(self, stream: str) -> Tenant:
        """The tenant for one of the app's streams; any other stream is not found."""
        if stream not in self.streams:
            raise PageNotFoundError()
        return Tenant(app_id=self.app_id, account_id=self.account_id, stream_id=stream)


async def check_credentials(session: AsyncSession, client_id: str, secret: str) -> App | None:
    """The app whose client id and secret these are (the secret compared in constant time)."""
    app = await AppRepository(session).get(client_id.strip()) if client_id.strip() else None
    if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        return None
    return app


async def current_operator(request: Request) -> Operator:
    """The signed-in session, re-checked against the app on every request (a deleted app or a
    rotated secret ends it)."""
    found = cookies.read(request)
    if found is None or found.app_id is None:
        raise SignInRequiredError()
    async with request.app.state.read_sessions() as db:
        app = await AppRepository(db).get(found.app_id)
        streams = tuple(s.stream_id for s in app.streams) if app is not None else ()
    if app is None or not hmac.compare_digest(
        cookies.fingerprint(app.client_secret), found.fingerprint
    ):
        raise SignInRequiredError()
    return Operator(found, app.id, app.account_id, streams)


OperatorDep = Annotated[Operator, Depends(current_operator)]


def stream_tenant(stream: str, operator: OperatorDep) -> Tenant:
    """The tenant a page's `{stream}` stands for."""
    return operator.tenant(stream)


TenantDep = Annotated[Tenant, Depends(stream_tenant)]


async def require_csrf(request: Request, operator: OperatorDep) -> Operator:
    """Refuse a state-changing request without the session's token: from the `X-CSRF-Token`
    header (htmx, uploads) or the `csrf_token` form field (plain forms)."""
    supplied = request.headers.get(cookies.CSRF_HEADER)
    if supplied is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        value = (await request.form()).get(cookies.CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not cookies.csrf_matches(operator.session, supplied):
        raise CsrfError()
    return operator


CheckedDep = Annotated[Operator, Depends(require_csrf)]
