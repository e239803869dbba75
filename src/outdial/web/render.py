"""Rendering dashboard pages: the Jinja environment, the headers every page carries, the
one-shot notice, and the pages that answer failures under /ui.

Pages are strict about what a browser may load (a Content-Security-Policy without inline
scripts or styles), so a template that slipped an inline handler in would fail in the browser
tests rather than silently weaken the page.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from outdial import __version__
from outdial.kit.errors import ApiError
from outdial.web import session as cookies
from outdial.web.auth import SIGN_IN, CsrfError, Operator, PageNotFoundError, SignInRequiredError
from outdial.web.session import Session

HTMX = "htmx-2.0.11.min.js"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Handler = Callable[[Request, Exception], Awaitable[Response]]


def when(value: datetime | None) -> str:
    """A UTC instant as people read it: `2026-03-06 12:00:05 UTC`."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


@functools.cache
def environment() -> Environment:
    """The template environment (built on first use, then shared: templates hold no state)."""
    env = Environment(
        loader=PackageLoader("outdial.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["percent"] = percent
    env.globals["static"] = lambda name: f"/ui/static/{name}"
    env.globals["htmx"] = HTMX
    env.globals["version"] = __version__
    env.globals["query"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v})
    return env


def html(
    request: Request,
    template: str,
    status: int = 200,
    *,
    session: Session | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a template (a page or a fragment) with the page-wide context; `session` is the
    one the response will carry when it is not the request's."""
    operator: Operator | None = context.pop("operator", None)
    if session is None:
        session = operator.session if operator is not None else cookies.read(request)
    context.setdefault("stream", None)
    context.setdefault("active", "")
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            operator=operator,
            csrf=session.csrf if session else "",
            notice=session.notice if session else "",
            **context,
        )
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    if session is not None and session.notice and not template.startswith("_"):
        cookies.write(request, response, session.with_notice(""))
    return response


def redirect(request: Request, url: str, notice: str = "") -> Response:
    """A 303 after a form post; an htmx request gets `HX-Redirect` (it would otherwise swap
    the next page into a fragment)."""
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if notice:
        current = cookies.read(request)
        if current is not None:
            cookies.write(request, response, current.with_notice(notice))
    return response


def problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """An error page (or fragment, for htmx) for a failure under /ui."""
    template = "_problem.html" if request.headers.get("hx-request") else "problem.html"
    return html(request, template, status, title=title, message=message)


async def _sign_in(request: Request, _: Exception) -> Response:
    response = redirect(request, SIGN_IN)
    cookies.clear(response)
    return response


async def _not_found(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, PageNotFoundError) else "This page does not exist."
    return problem(request, 404, "Not found", message)


async def _forbidden(request: Request, _: Exception) -> Response:
    text = "The form had expired. Go back, reload the page and try again."
    return problem(request, 403, "Form expired", text)


def _for_ui(original: Any, page: Handler) -> Handler:
    """`page` for requests under /ui, the API's own (async) handler everywhere else."""

    async def handle(request: Request, exc: Exception) -> Response:
        if request.url.path == "/ui" or request.url.path.startswith("/ui/"):
            return await page(request, exc)
        answer: Response = await original(request, exc)
        return answer

    return handle


async def _api_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if exc.status == 404:
        return problem(request, 404, "Not found", exc.items[0].msg)
    text = "; ".join(item.msg for item in exc.items)
    return problem(request, exc.status, "Could not do that", text)


async def _http_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    return problem(request, exc.status_code, "Could not do that", str(exc.detail))


async def _invalid_request_page(request: Request, exc: Exception) -> Response:
    return problem(request, 400, "Could not do that", "The request had a value out of range.")


def install_handlers(app: FastAPI) -> None:
    """Answer failures under /ui with pages; the API keeps its JSON envelope elsewhere."""
    app.add_exception_handler(SignInRequiredError, _sign_in)
    app.add_exception_handler(PageNotFoundError, _not_found)
    app.add_exception_handler(CsrfError, _forbidden)
    pages: dict[type[Exception], Handler] = {
        ApiError: _api_error_page,
        StarletteHTTPException: _http_error_page,
        RequestValidationError: _invalid_request_page,
    }
    for kind, page in pages.items():
        original = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _for_ui(original, page))
