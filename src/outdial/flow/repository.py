"""All SQL about experience flows (one tenant's)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outdial.kit import ids
from outdial.kit.repository import TenantRepository
from outdial.kit.timefmt import utcnow
from outdial.models import Flow


class FlowRepository(TenantRepository[Flow]):
    """One stream's flows, resolved by name."""

    model = Flow

    async def by_lname(self, lname: str) -> Flow | None:
        return await self.first(self.select().where(Flow.lname == lname))

    async def flows(self) -> Sequence[Flow]:
        return await self.all(self.select().order_by(Flow.lname))

    async def resolve(self, name: str) -> Flow:
        """The flow called `name` (any case), registered now if the stream never used it."""
        found = await self.by_lname(name.lower())
        if found is not None:
            return found
        now = utcnow()
        values = {
            "id": ids.full_id("cf"),
            "account_id": self.tenant.account_id,
            "stream_id": self.tenant.stream_id,
            "name": name,
            "lname": name.lower(),
            "sip_uri": None,
            "created_at": now,
            "updated_at": now,
        }
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self.session.execute(insert(Flow).values(values).on_conflict_do_nothing())
        created = await self.by_lname(name.lower())
        assert created is not None
        return created
