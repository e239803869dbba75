"""Campaign rules: the mode matrix, names unique per stream, lists and DNC list resolved by
name, flows registered on first use, and which statuses allow which changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.campaign.repository import CampaignRepository, CampaignUpkeep, Search
from outdial.campaign.schemas import CampaignBody, CampaignQuery
from outdial.contact_list.repository import ContactListRepository, ListUpkeep
from outdial.flow.repository import FlowRepository
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.errors import ErrorItem, conflict, invalid, not_found
from outdial.kit.routing import ApiVersion
from outdial.kit.timefmt import utcnow
from outdial.models import Campaign, ContactList

DEFAULT_LIMIT = 50
READY_LIST_STATUSES = ("Ready", "Validated")
LOCKED_STATUSES = ("Active",)
UNDELETABLE_STATUSES = ("Active", "Paused")


@dataclass
class CampaignView:
    """A campaign with the names its responses show."""

    row: Campaign
    list_names: list[str]
    dnc: tuple[str, str] | None
    flow_name: str | None


@dataclass(frozen=True)
class Page:
    views: list[CampaignView]
    skip: int
    limit: int
    total: int

    @property
    def total_pages(self) -> int:
        return ceil(self.total / self.limit) if self.limit else 0


@dataclass(frozen=True)
class Resolved:
    """What a body's names point at, once checked."""

    lists: list[ContactList]
    dnc: ContactList | None
    flow_id: str | None


def _mode_errors(body: CampaignBody, version: ApiVersion) -> list[ErrorItem]:
    """Fields a dialing mode requires (the mode matrix of spec §3.1)."""
    needed: list[str] = []
    if body.campaignType != "voice":
        msg = "campaignType must be voice: outdial runs voice campaigns, not SMS"
        return [ErrorItem(msg, 400, "campaignType")]
    if body.dialingMode == "Agentless" and body.experienceFlowName is None:
        needed.append("experienceFlowName")
    if body.dialingMode in ("Progressive", "Preview") and body.queue_name is None:
        needed.append("queue_name")
    if body.dialingMode == "Preview" and body.maxSkips is None:
        needed.append("maxSkips")
    errors = [
        ErrorItem(f"{name} is required for {body.dialingMode} campaigns", 400, name)
        for name in needed
    ]
    if version == "v2" and body.dncLists is None:
        errors.append(
            ErrorItem("dncLists is required for voice campaigns in API v2", 400, "dncLists")
        )
    return errors


class CampaignService:
    """Campaign operations for one tenant within one session."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant
        self.repo = CampaignRepository(session, tenant)
        self.lists = ContactListRepository(session, tenant)

    async def _require(self, campaign_id: str, *, lock: bool = False) -> Campaign:
        row = await self.repo.get(campaign_id, lock=lock)
        if row is None:
            raise not_found(f"Campaign {campaign_id} not found")
        return row

    async def _resolve(self, body: CampaignBody, version: ApiVersion) -> Resolved:
        """Check every name the body uses; all problems are reported together."""
        errors = _mode_errors(body, version)
        wanted = list(dict.fromkeys(n.lower() for n in body.contactLists))
        dnc_name = body.dncLists.name.lower() if body.dncLists else None
        found = await self.lists.by_lnames([*wanted, *([dnc_name] if dnc_name else [])])
        lists: list[ContactList] = []
        for index, name in enumerate(body.contactLists):
            row = found.get(name.lower())
            if row is None or row.list_type != "call":
                path = f"contactLists[{index}]"
                errors.append(ErrorItem(f"{path} {name!r} is not a contact list here", 400, path))
            elif row not in lists:
                lists.append(row)
        dnc = found.get(dnc_name) if dnc_name else None
        if dnc_name and (dnc is None or dnc.list_type != "dnc"):
            assert body.dncLists is not None
            msg = f"dncLists.name {body.dncLists.name!r} is not a DNC list here"
            errors.append(ErrorItem(msg, 400, "dncLists.name"))
        if errors:
            raise invalid(errors)
        flow_id = None
        if body.dialingMode == "Agentless" and body.experienceFlowName:
            flow_id = (
                await FlowRepository(self.session, self.tenant).resolve(body.experienceFlowName)
            ).id
        return Resolved(lists, dnc, flow_id)

    async def _check_name(self, name: str, exclude_id: str | None) -> None:
        existing = await self.repo.by_lname(name.lower())
        if existing is not None and existing.id != exclude_id:
            raise conflict(f"A campaign named {name!r} already exists", "name")

    def _apply(self, row: Campaign, body: CampaignBody, resolved: Resolved) -> None:
        """Copy a validated body onto a row (create, or full-replace update)."""
        strategy = body.dialingStrategy
        hours = strategy.callingHours
        row.name, row.lname, row.description = body.name, body.name.lower(), body.description
        row.campaign_type, row.dialing_mode, row.priority = "voice", body.dialingMode, body.priority
        row.caller_id = strategy.callerId.phoneNumber
        row.frequency, row.timezone = hours.frequency, hours.timezone
        row.days = [d.model_dump() for d in hours.days]
        row.dialing_order = strategy.dialingOrder
        row.max_attempts = strategy.maxAttemptsPerRecord
        row.retry_period_min = strategy.defaultRetryPeriod
        row.max_ring_time_s = strategy.maxRingTime
        row.flow_id = resolved.flow_id
        row.queue_name = body.queue_name if body.dialingMode != "Agentless" else None
        row.max_skips = body.maxSkips if body.maxSkips is not None else row.max_skips
        if body.enableMachineDetect is not None:
            row.machine_detect = body.enableMachineDetect
        row.dnc_list_id = resolved.dnc.id if resolved.dnc else None
        if body.schedule is not None:
            row.scheduling_enabled = body.schedule.isSchedulingEnabled

    async def create(self, body: CampaignBody, version: ApiVersion) -> CampaignView:
        await self._check_name(body.name, None)
        resolved = await self._resolve(body, version)
        now = utcnow()
        row = Campaign(
            id=ids.short_id("cd"),
            account_id=self.tenant.account_id,
            stream_id=self.tenant.stream_id,
            status="Preparing",
            machine_detect="no",
            max_skips=None,
            is_filters_enabled=False,
            scheduling_enabled=False,
            recurrence_enabled=None,
            current_run_id=None,
            run_updated_at=now,
            created_at=now,
            updated_at=now,
        )
        self._apply(row, body, resolved)
        self.repo.add(row)
        await self.repo.flush()
        await self.repo.set_lists(row.id, [lst.id for lst in resolved.lists])
        await self.session.commit()
        return await self.view(row)

    async def update(
        self, campaign_id: str, body: CampaignBody, version: ApiVersion
    ) -> CampaignView:
        row = await self._require(campaign_id, lock=True)
        if row.status in LOCKED_STATUSES:
            raise conflict(f"Campaign {row.name} is {row.status}; pause or stop it to edit it")
        await self._check_name(body.name, row.id)
        resolved = await self._resolve(body, version)
        self._apply(row, body, resolved)
        row.recurrence_enabled = bool(row.recurrence_enabled)
        row.updated_at = utcnow()
        await self.repo.set_lists(row.id, [lst.id for lst in resolved.lists])
        await self.session.commit()
        return await self.view(row)

    async def get(self, campaign_id: str) -> CampaignView:
        return await self.view(await self._require(campaign_id))

    async def delete(self, campaign_id: str) -> CampaignView:
        row = await self._require(campaign_id, lock=True)
        if row.status in UNDELETABLE_STATUSES:
            raise conflict(f"Campaign {row.name} is {row.status}; stop it before deleting it")
        view = await self.view(row)
        await self.repo.delete(row)
        await self.session.commit()
        return view

    async def status(self, campaign_id: str) -> Campaign:
        return await self._require(campaign_id)

    async def view(self, row: Campaign) -> CampaignView:
        return (await self.views([row]))[0]

    async def views(self, rows: Sequence[Campaign]) -> list[CampaignView]:
        """Views for many campaigns with one query for all their names."""
        if not rows:
            return []
        names = await self.repo.names([r.id for r in rows])
        return [
            CampaignView(
                row=r,
                list_names=names.lists.get(r.id, []),
                dnc=(r.dnc_list_id, names.dnc[r.id]) if r.dnc_list_id else None,
                flow_name=names.flows.get(r.id),
            )
            for r in rows
        ]

    async def search(self, query: CampaignQuery) -> Page:
        limit = query.limit or DEFAULT_LIMIT
        skip = query.skip or 0
        if not skip and query.page:
            skip = (query.page - 1) * limit
        filters = query.filters
        order = [
            (k, v) for k, v in (query.sortBy.model_dump() if query.sortBy else {}).items() if v
        ]
        rows, total = await self.repo.search(
            Search(
                campaign_type=query.type,
                statuses=filters.status if filters else None,
                priorities=filters.priority if filters else None,
                modes=filters.dialingMode if filters else None,
                created_from=_aware(query.startDate),
                created_to=_aware(query.endDate),
                order=order or [("createdAt", "desc")],
                skip=skip,
                limit=limit,
            ),
        )
        return Page(await self.views(rows), skip, limit, total)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def prepare(sessions: async_sessionmaker[AsyncSession], campaign_id: str) -> bool:
    """Preparing -> Ready once every list the campaign uses is validated."""
    async with sessions() as session:
        repo = CampaignUpkeep(session)
        list_ids = await repo.list_ids(campaign_id)
        statuses = await ListUpkeep(session).statuses(list_ids)
        if any(statuses.get(i) not in READY_LIST_STATUSES for i in list_ids):
            return False
        done = await repo.mark_ready(campaign_id, utcnow())
        await session.commit()
        return done


async def prepare_pending(sessions: async_sessionmaker[AsyncSession], limit: int = 100) -> int:
    """Sweep every campaign left in Preparing (after a restart, or a list still validating)."""
    async with sessions() as session:
        pending = await CampaignUpkeep(session).preparing_ids(limit)
    return sum([await prepare(sessions, cid) for cid in pending])
