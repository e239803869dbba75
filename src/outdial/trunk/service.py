"""Rules for trunks and flow SIP URIs: names unique per account, one default trunk per
account (the first trunk, or the last one marked so), passwords kept but never shown."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.flow.repository import FlowRepository
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.errors import conflict, not_found
from outdial.kit.timefmt import utcnow
from outdial.models import Flow, Trunk
from outdial.telephony.sip.config import render_flow_uri
from outdial.trunk.repository import TrunkRepository
from outdial.trunk.schemas import FlowUpdate, TrunkCreate, TrunkUpdate


class TrunkService:
    """Trunk operations for one account within one session."""

    def __init__(self, session: AsyncSession, account_id: str) -> None:
        self.session = session
        self.account_id = account_id
        self.repo = TrunkRepository(session, account_id)

    async def _require(self, trunk_id: str, *, lock: bool = False) -> Trunk:
        row = await self.repo.get(trunk_id, lock=lock)
        if row is None:
            raise not_found(f"SIP trunk {trunk_id} not found")
        return row

    async def _check_name(self, name: str, exclude_id: str | None) -> None:
        existing = await self.repo.by_lname(name.lower())
        if existing is not None and existing.id != exclude_id:
            raise conflict(f"A SIP trunk named {name!r} already exists", "name")

    async def create(self, body: TrunkCreate) -> Trunk:
        await self.repo.lock_account()
        await self._check_name(body.name, None)
        now = utcnow()
        first = await self.repo.count() == 0
        row = Trunk(
            id=ids.short_id("tk"),
            account_id=self.account_id,
            name=body.name,
            lname=body.name.lower(),
            uri=body.uri,
            transport=body.transport,
            username=body.username,
            password=body.password,
            cps=body.cps,
            max_calls=body.maxCalls,
            is_default=body.isDefault or first,
            created_at=now,
            updated_at=now,
        )
        if row.is_default:
            await self.repo.clear_default(row.id)
        self.repo.add(row)
        await self.session.commit()
        return row

    async def get(self, trunk_id: str) -> Trunk:
        return await self._require(trunk_id)

    async def all(self) -> Sequence[Trunk]:
        return await self.repo.trunks()

    async def update(self, trunk_id: str, body: TrunkUpdate) -> Trunk:
        await self.repo.lock_account()
        row = await self._require(trunk_id, lock=True)
        if body.name is not None:
            await self._check_name(body.name, row.id)
            row.name, row.lname = body.name, body.name.lower()
        fields = {
            "uri": body.uri,
            "transport": body.transport,
            "username": body.username,
            "password": body.password,
            "cps": body.cps,
            "max_calls": body.maxCalls,
        }
        for attribute, value in fields.items():
            if value is not None:
                setattr(row, attribute, value)
        if body.isDefault is not None:
            row.is_default = body.isDefault
            if body.isDefault:
                await self.repo.clear_default(row.id)
        row.updated_at = utcnow()
        await self.session.commit()
        return row

    async def delete(self, trunk_id: str) -> Trunk:
        """Delete a trunk; calls placed afterwards use the account's default trunk, or the
        OUTDIAL_SIP_TRUNK_URI trunk when no trunk of the account is the default."""
        row = await self._require(trunk_id, lock=True)
        await self.repo.delete(row)
        await self.session.commit()
        return row


class FlowService:
    """The SIP URIs of one stream's experience flows."""

    def __init__(self, session: AsyncSession, tenant: Tenant, template: str) -> None:
        self.session = session
        self.tenant = tenant
        self.template = template
        self.repo = FlowRepository(session, tenant)

    def template_uri(self, row: Flow) -> str | None:
        """The URI OUTDIAL_SIP_FLOW_URI gives this flow, or None without a template."""
        return render_flow_uri(self.template, row.id, row.name) if self.template else None

    async def get(self, flow_id: str) -> Flow:
        row = await self.repo.get(flow_id)
        if row is None:
            raise not_found(f"Experience flow {flow_id} not found")
        return row

    async def all(self) -> Sequence[Flow]:
        return await self.repo.flows()

    async def set_uri(self, flow_id: str, body: FlowUpdate) -> Flow:
        row = await self.get(flow_id)
        row.sip_uri = body.sipUri
        row.updated_at = utcnow()
        await self.session.commit()
        return row
