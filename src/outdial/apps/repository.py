"""All SQL about accounts, apps and used JWT ids."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.models import Account, App, JtiUse


class AppRepository:
    """Reads and writes apps and accounts within the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, app_id: str) -> App | None:
        return await self.session.get(App, app_id)

    async def all(self) -> Sequence[App]:
        result = await self.session.scalars(select(App).order_by(App.created_at))
        return result.all()

    async def any_exists(self) -> bool:
        return (await self.session.scalar(select(App.id).limit(1))) is not None

    async def get_account(self, account_id: str) -> Account | None:
        return await self.session.get(Account, account_id)

    async def accounts(self) -> Sequence[Account]:
        return (await self.session.scalars(select(Account).order_by(Account.id))).all()

    def add(self, obj: App | Account) -> None:
        self.session.add(obj)


class JtiRepository:
    """Remembers presented `jti` values until their tokens expire."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, app_id: str, jti: str, expires_at: datetime, now: datetime) -> bool:
        """Record a first use; False when this app presented the jti before (a replay).
        The jti is stored as its SHA-256, so any length fits."""
        await self.session.execute(delete(JtiUse).where(JtiUse.expires_at < now))
        digest = hashlib.sha256(jti.encode()).hexdigest()
        self.session.add(JtiUse(app_id=app_id, jti=digest, expires_at=expires_at))
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            return False
        return True
