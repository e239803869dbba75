"""All SQL about campaigns and the lists they use.

`CampaignRepository` is one tenant's (built on the tenant-scoped base); `CampaignUpkeep` holds
the few statements the service's own chores run across tenants (campaigns left in
Preparing)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    delete,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from outdial.kit.repository import TenantRepository
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


@dataclass(frozen=True)
class Names:
    """Names by campaign id: contact lists (in order), DNC list, experience flow."""

    lists: dict[str, list[str]]
    dnc: dict[str, str]
    flows: dict[str, str]


_SORT_COLUMNS = {
    "name": Campaign.lname,
    "createdAt": Campaign.created_at,
    "updatedAt": Campaign.updated_at,
}


@cache
def _by_id() -> Select[Campaign]:
    """One tenant's campaign by id, built once (the hottest read of the API)."""
    return select(Campaign).where(
        Campaign.id == bindparam("id"),
        Campaign.account_id == bindparam("account"),
        Campaign.stream_id == bindparam("stream"),
    )


@cache
def _names() -> CompoundSelect[str, str, str, int]:
    """Names a campaign's answers show, for many campaigns in one round trip."""
    ids: BindParameter[str] = bindparam("ids", expanding=True)
    lists = (
        select(
            CampaignContactList.campaign_id,
            literal("list"),
            ContactList.name,
            CampaignContactList.position,
        )
        .join(ContactList, ContactList.id == CampaignContactList.list_id)
        .where(CampaignContactList.campaign_id.in_(ids))
    )
    dnc = (
        select(Campaign.id, literal("dnc"), ContactList.name, literal(0))
        .join(ContactList, ContactList.id == Campaign.dnc_list_id)
        .where(Campaign.id.in_(ids))
    )
    flows = (
        select(Campaign.id, literal("flow"), Flow.name, literal(0))
        .join(Flow, Flow.id == Campaign.flow_id)
        .where(Campaign.id.in_(ids))
    )
    return union_all(lists, dnc, flows)


class CampaignRepository(TenantRepository[Campaign]):
    """One tenant's campaigns within the caller's session."""

    model = Campaign

    async def get(self, row_id: str, *, lock: bool = False) -> Campaign | None:
        """The hottest read of the API, on a statement built once (the tenant is bound)."""
        tenant = self.tenant
        params = {"id": row_id, "account": tenant.account_id, "stream": tenant.stream_id}
        stmt = _by_id().with_for_update() if lock else _by_id()
        found: Campaign | None = await self.session.scalar(stmt, params)
        return found

    async def by_lname(self, lname: str) -> Campaign | None:
        return await self.first(self.select().where(Campaign.lname == lname))

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

    async def names(self, campaign_ids: Sequence[str]) -> Names:
        """The names a campaign's answers show (its lists in order, its DNC list, its flow),
        for many campaigns in one round trip."""
        found = Names(defaultdict(list), {}, {})
        rows = await self.session.execute(_names(), {"ids": list(campaign_ids)})
        for row in sorted(rows, key=lambda r: (str(r[0]), int(r[3]))):
            campaign_id, kind, name = str(row[0]), str(row[1]), str(row[2])
            if kind == "list":
                found.lists[campaign_id].append(name)
            else:
                (found.dnc if kind == "dnc" else found.flows)[campaign_id] = name
        return found

    async def search(self, query: Search) -> tuple[Sequence[Campaign], int]:
        """One page of the tenant's campaigns matching the query, and the total count."""
        stmt = self.select().where(Campaign.campaign_type == query.campaign_type)
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
        order = [
            _SORT_COLUMNS[key].asc() if way == "asc" else _SORT_COLUMNS[key].desc()
            for key, way in query.order
        ]
        return await self.paginate(stmt.order_by(*order, Campaign.id), query.skip, query.limit)


class CampaignUpkeep:
    """Campaign statements the service's chores run across tenants (never on a client's
    behalf: nothing here is reachable from an API call's ids)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_ids(self, campaign_id: str) -> list[str]:
        stmt = (
            select(CampaignContactList.list_id)
            .where(CampaignContactList.campaign_id == campaign_id)
            .order_by(CampaignContactList.position)
        )
        return list(await self.session.scalars(stmt))

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
