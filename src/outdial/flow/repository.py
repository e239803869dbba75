"""All SQL about experience flows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.timefmt import utcnow
from outdial.models import Flow


class FlowRepository:
    """Flows of one tenant, resolved by name."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_lname(self, tenant: Tenant, lname: str) -> Flow | None:
        stmt = select(Flow).where(
            Flow.account_id == tenant.account_id,
            Flow.stream_id == tenant.stream_id,
            Flow.lname == lname,
        )
        return await self.session.scalar(stmt)

    async def get(self, tenant: Tenant, flow_id: str) -> Flow | None:
        stmt = select(Flow).where(
            Flow.id == flow_id,
            Flow.account_id == tenant.account_id,
            Flow.stream_id == tenant.stream_id,
        )
        return await self.session.scalar(stmt)

    async def resolve(self, tenant: Tenant, name: str) -> Flow:
        """The flow called `name` (any case), registered now if the stream never used it."""
        found = await self.by_lname(tenant, name.lower())
        if found is not None:
            return found
        now = utcnow()
        values = {
            "id": ids.full_id("cf"),
            "account_id": tenant.account_id,
            "stream_id": tenant.stream_id,
            "name": name,
            "lname": name.lower(),
            "sip_uri": None,
            "created_at": now,
            "updated_at": now,
        }
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self.session.execute(insert(Flow).values(values).on_conflict_do_nothing())
        created = await self.by_lname(tenant, name.lower())
        assert created is not None
        return created
