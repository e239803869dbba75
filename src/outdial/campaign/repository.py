"""All SQL about campaigns and the lists they use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant
from outdial.models import Campaign, CampaignContactList, ContactList, Flow


@dataclass(frozen=True)
class Search:
    """A getAllCampaignDetails query in database terms."""

    campaign_type: str
    statuses: Sequence[str] | None
    priorities: Sequence[str] | None
    modes: Sequence[str] | None
    created_from: datetime | None
    created_to: datetime | None
    order: Sequence[tuple[str, str]]
    skip: int
    limit: int


_SORT_COLUMNS = {
    "name": Campaign.lname,
    "createdAt": Campaign.created_at,
    "updatedAt": Campaign.updated_at,
}


class CampaignRepository:
    """Reads and writes campaigns within the caller's session, always per tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _mine(self, tenant: Tenant) -> Select[Campaign]:
        return select(Campaign).where(
            Campaign.account_id == tenant.account_id, Campaign.stream_id == tenant.stream_id
        )

    async def get(self, tenant: Tenant, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        stmt = self._mine(tenant).where(Campaign.id == campaign_id)
        return await self.session.scalar(stmt.with_for_update() if lock else stmt)

    async def by_lname(self, tenant: Tenant, lname: str) -> Campaign | None:
        return await self.session.scalar(self._mine(tenant).where(Campaign.lname == lname))

    def add(self, row: Campaign) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, row: Campaign) -> None:
        await self.session.delete(row)

    async def set_lists(self, campaign_id: str, list_ids: Sequence[str]) -> None:
        """Replace the campaign's contact lists, keeping the given order."""
        await self.session.execute(
            delete(CampaignContactList).where(CampaignContactList.campaign_id == campaign_id)
        )
        rows = [
            {"campaign_id": campaign_id, "list_id": list_id, "position": i}
            for i, list_id in enumerate(list_ids)
        ]
        await self.session.execute(insert(CampaignContactList), rows)

    async def list_names(self, campaign_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each campaign's contact-list names, in the order they were given."""
        stmt = (
            select(CampaignContactList.campaign_id, ContactList.name)
            .join(ContactList, ContactList.id == CampaignContactList.list_id)
            .where(CampaignContactList.campaign_id.in_(campaign_ids))
            .order_by(CampaignContactList.campaign_id, CampaignContactList.position)
        )
        names: dict[str, list[str]] = defaultdict(list)
        for campaign_id, name in await self.session.execute(stmt):
            names[campaign_id].append(name)
        return names

    async def list_ids(self, campaign_id: str) -> list[str]:
        stmt = (
            select(CampaignContactList.list_id)
            .where(CampaignContactList.campaign_id == campaign_id)
            .order_by(CampaignContactList.position)
        )
        return list(await self.session.scalars(stmt))

    async def list_names_by_id(self, list_ids: Sequence[str]) -> dict[str, str]:
        stmt = select(ContactList.id, ContactList.name).where(ContactList.id.in_(list_ids))
        return {row_id: name for row_id, name in await self.session.execute(stmt)}

    async def flow_names(self, flow_ids: Sequence[str]) -> dict[str, str]:
        stmt = select(Flow.id, Flow.name).where(Flow.id.in_(flow_ids))
        return {row_id: name for row_id, name in await self.session.execute(stmt)}

    async def search(self, tenant: Tenant, query: Search) -> tuple[Sequence[Campaign], int]:
        """One page of the tenant's campaigns matching the query, and the total count."""
        stmt = self._mine(tenant).where(Campaign.campaign_type == query.campaign_type)
        if query.statuses:
            stmt = stmt.where(Campaign.status.in_(query.statuses))
        if query.priorities:
            stmt = stmt.where(Campaign.priority.in_(query.priorities))
        if query.modes:
            stmt = stmt.where(Campaign.dialing_mode.in_(query.modes))
        if query.created_from is not None:
            stmt = stmt.where(Campaign.created_at >= query.created_from)
        if query.created_to is not None:
            stmt = stmt.where(Campaign.created_at <= query.created_to)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        order = [
            _SORT_COLUMNS[key].asc() if way == "asc" else _SORT_COLUMNS[key].desc()
            for key, way in query.order
        ]
        page = stmt.order_by(*order, Campaign.id).offset(query.skip).limit(query.limit)
        return (await self.session.scalars(page)).all(), int(total or 0)

    async def preparing_ids(self, limit: int) -> list[str]:
        """Campaigns (any tenant) still waiting for their lists to be checked."""
        stmt = select(Campaign.id).where(Campaign.status == "Preparing").limit(limit)
        return list(await self.session.scalars(stmt))

    async def mark_ready(self, campaign_id: str, now: datetime) -> bool:
        """Preparing -> Ready, only if nothing else changed the status meanwhile."""
        stmt = (
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == "Preparing")
            .values(status="Ready", updated_at=now)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))
