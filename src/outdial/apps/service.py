"""Creating apps, rotating their secrets and bootstrapping a first app for `make run`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.apps.repository import AppRepository
from outdial.config import Settings
from outdial.contact_list.service import ensure_default_global
from outdial.kit import ids
from outdial.kit.errors import bad_request, not_found
from outdial.kit.timefmt import utcnow
from outdial.models import Account, App, AppStream

ACCOUNT_LEN = 24


@dataclass(frozen=True)
class Credentials:
    """What a new app's owner must keep: the secret is shown only once."""

    client_id: str
    client_secret: str
    account_id: str
    streams: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "accountId": self.account_id,
            "streams": list(self.streams),
        }


def _check(account_id: str, streams: Sequence[str]) -> None:
    if len(account_id) != ACCOUNT_LEN or any(c not in "0123456789abcdef" for c in account_id):
        raise bad_request("account id must be 24 lowercase hex digits", "account")
    if not streams:
        raise bad_request("at least one stream is required", "stream")
    for stream in streams:
        if not stream.startswith("st-") or len(stream) > 64 or len(stream) < 4:
            raise bad_request(f"stream id {stream!r} must look like st-<id>", "stream")


async def _ensure_account(
    session: AsyncSession, settings: Settings, account_id: str, stream_id: str
) -> None:
    repo = AppRepository(session)
    if await repo.get_account(account_id) is None:
        now = utcnow()
        repo.add(
            Account(
                id=account_id,
                name="",
                lines=settings.default_lines,
                cps=settings.default_cps,
                created_at=now,
            )
        )
        await session.flush()
    await ensure_default_global(session, account_id, stream_id)


async def create_app(
    session: AsyncSession,
    settings: Settings,
    account_id: str,
    streams: Sequence[str],
    name: str = "",
) -> Credentials:
    """Register an app for an account and streams; the account is created on first use."""
    unique_streams = tuple(dict.fromkeys(streams))
    _check(account_id, unique_streams)
    await _ensure_account(session, settings, account_id, unique_streams[0])
    secret = ids.client_secret()
    app = App(
        id=ids.full_id("cs"),
        account_id=account_id,
        name=name or "outdial app",
        client_secret=secret,
        created_at=utcnow(),
        secret_rotated_at=None,
        streams=[AppStream(stream_id=s) for s in unique_streams],
    )
    AppRepository(session).add(app)
    await session.commit()
    return Credentials(app.id, secret, account_id, unique_streams)


async def list_apps(session: AsyncSession) -> Sequence[App]:
    return await AppRepository(session).all()


async def rotate_secret(session: AsyncSession, app_id: str) -> Credentials:
    """Issue a new secret; tokens signed with the old one stop working at once."""
    app = await AppRepository(session).get(app_id)
    if app is None:
        raise not_found(f"No app with client id {app_id}")
    app.client_secret = ids.client_secret()
    app.secret_rotated_at = utcnow()
    await session.commit()
    streams = tuple(s.stream_id for s in app.streams)
    return Credentials(app.id, app.client_secret, app.account_id, streams)


async def list_accounts(session: AsyncSession) -> Sequence[Account]:
    return await AppRepository(session).accounts()


async def set_limits(
    session: AsyncSession, account_id: str, lines: int | None, cps: float | None
) -> Account:
    """Change how many concurrent calls (lines) and calls per second an account may use;
    running campaigns follow on the dialer's next pass."""
    account = await AppRepository(session).get_account(account_id)
    if account is None:
        raise not_found(f"No account {account_id}")
    if lines is not None:
        if lines < 1:
            raise bad_request("lines must be at least 1", "lines")
        account.lines = lines
    if cps is not None:
        if cps <= 0:
            raise bad_request("cps must be greater than 0", "cps")
        account.cps = cps
    await session.commit()
    return account


async def bootstrap(session: AsyncSession, settings: Settings) -> Credentials | None:
    """Create a first app with a fresh account and stream, unless some app exists."""
    if await AppRepository(session).any_exists():
        return None
    stream = ids.full_id("st")
    return await create_app(session, settings, ids.account_id(), [stream], "first app")
