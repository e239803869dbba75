"""ASGI middleware: path normalisation and the request-body limit.

Kore's own samples call `.../campaign//trigger/{id}`; collapsing repeated slashes lets one
route serve both spellings. Bodies above the limit are refused with 413 before any handler
runs, so an oversized request can never half-apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outdial.kit.errors import ApiError, ErrorItem, bad_request, invalid, too_large

_SLASHES = re.compile(r"/{2,}")


class SlashNormalizer:
    """Rewrite `//` to `/` in the request path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            path = _SLASHES.sub("/", scope["path"])
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


_NUL_MARKS = (b"\x00", b"\\u0000")


def _nul_error(where: str) -> ApiError:
    return bad_request(f"The request {where} must not contain NUL characters (\\u0000)")


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """JSON paths of the strings (keys included) that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield from ([child] if "\x00" in str(key) else _nul_paths(item, child))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{index}]")


def _nul_fields(body: bytes) -> ApiError:
    """A 400 naming every field that holds a NUL (no database can store one)."""
    try:
        paths = list(_nul_paths(json.loads(body), ""))
    except ValueError:
        paths = []
    if not paths:
        return _nul_error("body")
    return invalid(
        [ErrorItem(f"{p} must not contain NUL characters (\\u0000)", 400, p) for p in paths]
    )


class BodyLimit:
    """Refuse bodies larger than `limit` bytes (413) and NUL characters anywhere in the path,
    query or JSON body (400: no database stores them); `exempt(path)` routes stream instead."""

    def __init__(self, app: ASGIApp, limit: int, exempt: Callable[[str], bool]) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = (scope.get("raw_path") or b"") + b"?" + scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in raw.lower():
            await _nul_error("path and query").response()(scope, receive, send)
            return
        if self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await too_large(self.limit).response()(scope, receive, send)
            return
        body, more = await self._read(receive)
        if more:
            await too_large(self.limit).response()(scope, receive, send)
            return
        if any(mark in body for mark in _NUL_MARKS):
            await _nul_fields(body).response()(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        """The whole body, or (partial, True) once it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False


def _replay(body: bytes, upstream: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (for disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await upstream()

    return receive
