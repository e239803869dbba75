"""Kore-style JWT verification, free of any storage.

Kore's public APIs take `auth: <JWT>`: HS256 only, claim `appId` naming the client id, signed
with that app's client secret used as a literal string. When the token carries `jti`, its
`exp` must be at most one hour after `iat` and a jti may be presented once. Every failure is
the same 401 (`Invalid SDK credentials`, code 4002) except the two jti rules, which answer with
Kore's own messages so clients can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt

from outdial.kit.errors import ApiError, unauthorized
from outdial.kit.ids import derived_id

ALGORITHM = "HS256"
JTI_MAX_LIFETIME_S = 3600
JTI_EXPIRY_MSG = 'error verifying the jwt: if "jti" claim "exp" must be <= 1 hour(s)'
JTI_REPLAY_MSG = "error verifying the jwt: possibly a replay"


@dataclass(frozen=True)
class Tenant:
    """Who is calling and where: the app, its account, and the stream in the path."""

    app_id: str
    account_id: str
    stream_id: str

    @cached_property
    def user_id(self) -> str:
        """Kore's `createdBy`/`updatedBy` user: stable per app."""
        return derived_id("u", "app", self.app_id)

    @cached_property
    def org_id(self) -> str:
        """Kore's `orgId`: stable per account."""
        return derived_id("o", "account", self.account_id)


def claimed_app_id(token: str) -> str:
    """The `appId` claim of a well-formed HS256 token, before its signature is checked."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise unauthorized() from exc
    app_id = claims.get("appId")
    if header.get("alg") != ALGORITHM or not isinstance(app_id, str) or not app_id:
        raise unauthorized()
    return app_id


def verify(token: str, secret: str) -> dict[str, Any]:
    """The token's claims once its HS256 signature and time claims check out."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"verify_aud": False}
        )
    except jwt.PyJWTError as exc:
        raise unauthorized() from exc
    return claims


def jti_window(claims: dict[str, Any]) -> tuple[str, int] | None:
    """For a token with `jti`: (jti, exp) once its lifetime is checked; None without jti."""
    jti = claims.get("jti")
    if jti is None:
        return None
    exp, iat = claims.get("exp"), claims.get("iat")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exp, iat))
    if not isinstance(jti, str) or not jti or not numbers:
        raise _jti_error(JTI_EXPIRY_MSG)
    assert isinstance(exp, int | float) and isinstance(iat, int | float)
    if exp - iat > JTI_MAX_LIFETIME_S:
        raise _jti_error(JTI_EXPIRY_MSG)
    return jti, int(exp)


def _jti_error(msg: str) -> ApiError:
    return unauthorized(msg, 401)


def replay_error() -> ApiError:
    return _jti_error(JTI_REPLAY_MSG)


def mint(client_id: str, secret: str, subject: str = "outdial", **extra: Any) -> str:
    """A token exactly as Kore documents it: HS256, `{"sub": ..., "appId": ...}`."""
    return jwt.encode({"sub": subject, "appId": client_id, **extra}, secret, algorithm=ALGORITHM)
