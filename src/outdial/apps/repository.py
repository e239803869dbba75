"""All SQL about accounts and apps (authentication reads keys through `outdial.auth`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.models import Account, App


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
