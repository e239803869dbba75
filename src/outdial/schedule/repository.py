"""All SQL about schedules: finding due campaigns and claiming an occurrence once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.models import Campaign


class ScheduleRepository:
    """Schedule bookkeeping across tenants (the scheduler serves every account)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(self, now: datetime, limit: int = 50) -> Sequence[Campaign]:
        stmt = (
            select(Campaign)
            .where(Campaign.scheduling_enabled.is_(True), Campaign.next_run_at <= now)
            .order_by(Campaign.next_run_at)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def claim(self, campaign_id: str, due: datetime, following: datetime | None) -> bool:
        """Move the campaign's next start from `due` to `following`; only one worker wins."""
        result = await self.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.next_run_at == due)
            .values(next_run_at=following)
        )
        return bool(getattr(result, "rowcount", 0))

    async def next_due(self) -> datetime | None:
        stmt = select(func.min(Campaign.next_run_at)).where(Campaign.scheduling_enabled.is_(True))
        value: datetime | None = await self.session.scalar(stmt)
        return value
