"""The Kore error envelope, and the translation of every failure into it.

Every 4xx/5xx body is `{"errors": [{"msg": ..., "code": ..., "field": ...?}]}`. Validation
failures name the JSON path of the offending field (`dialingStrategy.callingHours.days[2].end`)
so a client can point at it; nothing escapes as a bare 500 or as FastAPI's default shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

AUTH_CODE = 4002
AUTH_MESSAGE = "Invalid SDK credentials"


@dataclass(frozen=True)
class ErrorItem:
    """One entry of the `errors` array."""

    msg: str
    code: int
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"msg": self.msg, "code": self.code}
        if self.field is not None:
            body["field"] = self.field
        return body


class ErrorEntry(BaseModel):
    """One failure: a sentence, a code (the HTTP status, or 4002 for credentials) and, for
    validation failures, the JSON path of the field."""

    msg: str
    code: int
    field: str | None = None


class ErrorEnvelope(BaseModel):
    """Every error answer: Kore's platform envelope."""

    errors: list[ErrorEntry]


_DOC = {"model": ErrorEnvelope}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {**_DOC, "description": "Invalid input; each entry names its field"},
    401: {**_DOC, "description": "Invalid SDK credentials (code 4002) or a jti rule"},
    404: {**_DOC, "description": "Not found (another tenant's objects answer the same)"},
    409: {**_DOC, "description": "Conflicts with the object's state or another's name"},
    413: {**_DOC, "description": "Body larger than the limit"},
}


class ApiError(Exception):
    """A refusal with an HTTP status and one or more envelope entries."""

    def __init__(
        self, status: int, items: Sequence[ErrorItem], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(items[0].msg if items else str(status))
        self.status = status
        self.items = list(items)
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        answer = envelope(self.status, self.items)
        answer.headers.update(self.headers)
        return answer


def envelope(status: int, items: Iterable[ErrorItem]) -> JSONResponse:
    """The JSON response for a list of error items."""
    return JSONResponse(status_code=status, content={"errors": [i.as_dict() for i in items]})


def bad_request(msg: str, field: str | None = None) -> ApiError:
    return ApiError(400, [ErrorItem(msg, 400, field)])


def invalid(items: Sequence[ErrorItem]) -> ApiError:
    """Several validation failures at once (400)."""
    return ApiError(400, items)


def not_found(msg: str) -> ApiError:
    return ApiError(404, [ErrorItem(msg, 404)])


def conflict(msg: str, field: str | None = None) -> ApiError:
    return ApiError(409, [ErrorItem(msg, 409, field)])


def unauthorized(msg: str = AUTH_MESSAGE, code: int = AUTH_CODE) -> ApiError:
    return ApiError(401, [ErrorItem(msg, code)])


def too_large(limit: int) -> ApiError:
    return ApiError(413, [ErrorItem(f"Request body is larger than {limit} bytes", 413)])


def json_path(loc: Sequence[int | str]) -> str:
    """`("body", "days", 2, "end")` -> `days[2].end`; the leading location kind is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(kind: str, ctx: dict[str, Any], msg: str) -> str:  # noqa: C901 - one table
    """Readable text for a pydantic error type; `ctx` carries the limits."""
    if kind == "missing":
        return "is required"
    if kind in ("string_type", "str_type"):
        return "must be a string"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be an integer"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind in ("bool_type", "bool_parsing"):
        return "must be a boolean"
    if kind == "list_type":
        return "must be an array"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be an object"
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return msg


def translate(errors: Sequence[Any]) -> list[ErrorItem]:
    """Pydantic/FastAPI validation errors as envelope items naming each field."""
    items: list[ErrorItem] = []
    for err in errors:
        kind = str(err.get("type", ""))
        if kind == "json_invalid":
            items.append(ErrorItem("Request body is not valid JSON", 400))
            continue
        field = json_path(err.get("loc", ()))
        text = _describe(kind, dict(err.get("ctx") or {}), str(err.get("msg", "")))
        if not field:
            items.append(ErrorItem(f"Request body {text}", 400))
        else:
            items.append(ErrorItem(f"{field} {text}", 400, field))
    return items


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate `data` as `model`, failing like a request body would (400, fields named)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(translate([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])) from exc


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return envelope(400, translate(exc.errors()))


_HTTP_TEXT = {404: "Resource not found", 405: "Method Not Allowed"}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    text = _HTTP_TEXT.get(exc.status_code) or str(exc.detail)
    return envelope(exc.status_code, [ErrorItem(text, exc.status_code)])


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return envelope(500, [ErrorItem("Internal Server Error", 500)])


def install(app: FastAPI) -> None:
    """Route every failure kind through the envelope."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
