"""All SQL about trunks and flows' SIP URIs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant
from outdial.models import Account, Flow, Trunk


class TrunkRepository:
    """Trunks of one account, and flows of one stream, within the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: str, trunk_id: str, *, lock: bool = False) -> Trunk | None:
        stmt = select(Trunk).where(Trunk.id == trunk_id, Trunk.account_id == account_id)
        return await self.session.scalar(stmt.with_for_update() if lock else stmt)

    async def by_lname(self, account_id: str, lname: str) -> Trunk | None:
        stmt = select(Trunk).where(Trunk.account_id == account_id, Trunk.lname == lname)
        return await self.session.scalar(stmt)

    async def all(self, account_id: str) -> Sequence[Trunk]:
        stmt = select(Trunk).where(Trunk.account_id == account_id).order_by(Trunk.lname)
        return (await self.session.scalars(stmt)).all()

    async def lock_account(self, account_id: str) -> None:
        """Serialise changes to an account's trunks (the default flag is per account)."""
        await self.session.execute(
            select(Account.id).where(Account.id == account_id).with_for_update()
        )

    async def count(self, account_id: str) -> int:
        return len(await self.all(account_id))

    async def clear_default(self, account_id: str, keep: str) -> None:
        """Take the default flag from every other trunk of the account."""
        await self.session.execute(
            update(Trunk)
            .where(Trunk.account_id == account_id, Trunk.id != keep, Trunk.is_default.is_(True))
            .values(is_default=False)
        )

    def add(self, row: Trunk) -> None:
        self.session.add(row)

    async def delete(self, row: Trunk) -> None:
        await self.session.delete(row)

    async def flows(self, tenant: Tenant) -> Sequence[Flow]:
        stmt = select(Flow).where(
            Flow.account_id == tenant.account_id, Flow.stream_id == tenant.stream_id
        )
        return (await self.session.scalars(stmt.order_by(Flow.lname))).all()

    async def flow(self, tenant: Tenant, flow_id: str) -> Flow | None:
        stmt = select(Flow).where(
            Flow.id == flow_id,
            Flow.account_id == tenant.account_id,
            Flow.stream_id == tenant.stream_id,
        )
        return await self.session.scalar(stmt)
