"""All SQL about trunks and flows' SIP URIs: async for the API and CLI, blocking for the SIP
backend's per-call route lookups.

`TrunkRepository` is one account's (trunks are shared by the account's streams; flows are a
stream's, in `outdial.flow`). `OperatorRepository` serves the operator's CLI, which names
trunks and flows by id across accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.repository import AccountRepository
from outdial.models import Account, Flow, Trunk


class TrunkRepository(AccountRepository[Trunk]):
    """One account's trunks within the caller's session."""

    model = Trunk

    async def by_lname(self, lname: str) -> Trunk | None:
        return await self.first(self.select().where(Trunk.lname == lname))

    async def trunks(self) -> Sequence[Trunk]:
        return await self.all(self.select().order_by(Trunk.lname))

    async def lock_account(self) -> None:
        """Serialise changes to an account's trunks (the default flag is per account)."""
        stmt = select(Account.id).where(Account.id == self.account_id).with_for_update()
        await self.session.execute(stmt)

    async def count(self) -> int:
        return len(await self.trunks())

    async def clear_default(self, keep: str) -> None:
        """Take the default flag from every other trunk of the account."""
        await self.session.execute(
            update(Trunk)
            .where(self.owned(), Trunk.id != keep, Trunk.is_default.is_(True))
            .values(is_default=False)
        )


class OperatorRepository:
    """What the operator's CLI reads across accounts (it runs with database access, never on
    an API client's behalf)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def trunks(self, account_id: str | None) -> Sequence[Trunk]:
        """Every trunk of every account (or of one)."""
        stmt = select(Trunk).order_by(Trunk.account_id, Trunk.lname)
        if account_id:
            stmt = stmt.where(Trunk.account_id == account_id)
        return (await self.session.scalars(stmt)).all()

    async def account_of(self, trunk_id: str) -> str | None:
        """Which account a trunk belongs to."""
        row = await self.session.get(Trunk, trunk_id)
        return row.account_id if row is not None else None

    async def flow(self, flow_id: str) -> Flow | None:
        """Any stream's flow by id."""
        return await self.session.get(Flow, flow_id)


class RouteRepository:
    """What the SIP backend reads to route one call, on a blocking connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def default_trunk(self, account_id: str) -> Any:
        stmt = select(Trunk).where(Trunk.account_id == account_id, Trunk.is_default.is_(True))
        return self.conn.execute(stmt).first()

    def flow(self, flow_id: str) -> Any:
        return self.conn.execute(
            select(Flow.id, Flow.name, Flow.sip_uri).where(Flow.id == flow_id)
        ).first()
