"""Dashboard sessions: one signed cookie, nothing stored on the server.

The cookie holds the signed-in app, a fingerprint of its secret (rotating the secret ends every
session at once), a CSRF token and a one-shot notice, signed with HMAC-SHA256 by itsdangerous.
The key comes from `OUTDIAL_SECRET_KEY`, else it is drawn at random when the app is built, so
without the setting no session outlives the process. A visitor who is not signed in still gets
a session (no app) so that the sign-in form carries a CSRF token too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass, replace

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "outdial_session"
PATH = "/ui"
MAX_AGE_S = 12 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SALT = "outdial-dashboard-session"


@dataclass(frozen=True)
class Session:
    """What the cookie carries; `app_id` is None until the visitor signs in."""

    csrf: str
    issued: int
    app_id: str | None = None
    fingerprint: str = ""
    notice: str = ""

    def with_notice(self, notice: str) -> Session:
        return replace(self, notice=notice)


def fresh(app_id: str | None = None, secret_fingerprint: str = "") -> Session:
    """A new session with a new CSRF token (sign-in always starts one: no fixation)."""
    return Session(secrets.token_urlsafe(32), int(time.time()), app_id, secret_fingerprint)


def signing_key(secret_key: str) -> bytes:
    """The configured key stretched to 32 bytes, or 32 random bytes for this process."""
    if secret_key:
        return hashlib.sha256(b"outdial-dashboard-session:" + secret_key.encode()).digest()
    return secrets.token_bytes(32)


def fingerprint(client_secret: str) -> str:
    """A one-way digest of an app's secret: the cookie never holds the secret itself."""
    return hashlib.sha256(b"outdial-secret:" + client_secret.encode()).hexdigest()[:32]


class Signer:
    """Turns sessions into cookie values and back (itsdangerous, HMAC-SHA256); tampered or
    expired values read as None. Expiry counts from sign-in (`issued`), not from the last
    rewrite of the cookie, so a session cannot be kept alive forever."""

    def __init__(self, key: bytes) -> None:
        self._serializer = URLSafeSerializer(
            key, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps(asdict(session))

    def loads(self, value: str, now: float) -> Session | None:
        try:
            session = Session(**self._serializer.loads(value))
        except (BadSignature, TypeError):
            return None
        if not 0 <= now - session.issued <= MAX_AGE_S:
            return None
        return session


def signer(request: Request) -> Signer:
    found: Signer = request.app.state.web_signer
    return found


def read(request: Request) -> Session | None:
    """The request's session, if its cookie is present, intact and not expired."""
    value = request.cookies.get(COOKIE)
    return signer(request).loads(value, time.time()) if value else None


def write(request: Request, response: Response, session: Session) -> None:
    """Set the cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to /ui."""
    response.set_cookie(
        COOKIE,
        signer(request).dumps(session),
        max_age=MAX_AGE_S,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")


def csrf_matches(session: Session | None, supplied: str | None) -> bool:
    """Whether a form or header token is this session's (constant-time)."""
    if session is None or not supplied:
        return False
    return hmac.compare_digest(session.csrf.encode(), supplied.encode())
