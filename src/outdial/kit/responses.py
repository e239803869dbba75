"""Success envelopes as Kore writes them."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def success(data: Any, message: str | None = None, **top: Any) -> JSONResponse:
    """`{"status": "success", "message": ..., <top-level extras>, "data": ...}`."""
    body: dict[str, Any] = {"status": "success"}
    if message is not None:
        body["message"] = message
    body.update(top)
    body["data"] = data
    return JSONResponse(body)


def plain(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """A body with no envelope (triggers, addContacts)."""
    return JSONResponse(body, headers=headers)
