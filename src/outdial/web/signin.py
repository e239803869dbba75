"""Signing in and out of the dashboard with an app's client id and secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import Response

from outdial.deps import ReadSessionDep
from outdial.web import session as cookies
from outdial.web.auth import CheckedDep, OperatorDep, PageNotFoundError, check_credentials
from outdial.web.render import html, redirect

WRONG = "That client id and secret do not match an app."
EXPIRED = "The sign-in form had expired; please try again."


def _sign_in_form(
    request: Request, status: int = 200, error: str = "", client_id: str = ""
) -> Response:
    """The sign-in page, with a session (and CSRF token) for an anonymous visitor."""
    current = cookies.read(request)
    anonymous = current if current is not None and current.app_id is None else cookies.fresh()
    signed_out = request.query_params.get("signed_out") == "1"
    body = html(
        request, "signin.html", status, error=error, client_id=client_id, signed_out=signed_out,
        session=anonymous,
    )  # fmt: skip
    cookies.write(request, body, anonymous)
    return body


async def sign_in_page(request: Request) -> Response:
    """The sign-in form; a signed-in visitor goes straight to their campaigns."""
    current = cookies.read(request)
    if current is not None and current.app_id is not None:
        return redirect(request, "/ui")
    return _sign_in_form(request)


async def sign_in(
    request: Request,
    session: ReadSessionDep,
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the credentials; on success start a fresh session (new CSRF token)."""
    if not cookies.csrf_matches(cookies.read(request), csrf_token):
        return _sign_in_form(request, 200, EXPIRED, client_id)
    app = await check_credentials(session, client_id, client_secret)
    if app is None:
        return _sign_in_form(request, 200, WRONG, client_id)
    signed_in = cookies.fresh(app.id, cookies.fingerprint(app.client_secret))
    streams = [s.stream_id for s in app.streams]
    response = redirect(request, f"/ui/{streams[0]}/campaigns" if streams else "/ui")
    cookies.write(request, response, signed_in)
    return response


async def sign_out(request: Request, operator: CheckedDep) -> Response:
    """End the session: the cookie is deleted and the next request must sign in again."""
    response = redirect(request, "/ui/signin?signed_out=1")
    cookies.clear(response)
    return response


async def home(request: Request, operator: OperatorDep) -> Response:
    """`/ui`: the first stream's campaigns."""
    if not operator.streams:
        raise PageNotFoundError("This app has no streams to show.")
    return redirect(request, f"/ui/{operator.streams[0]}/campaigns")


async def switch_stream(
    request: Request, operator: OperatorDep, stream: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """The stream picker in the header: go to another of the app's streams."""
    if stream not in operator.streams:
        return await home(request, operator)
    return redirect(request, f"/ui/{stream}/campaigns")
