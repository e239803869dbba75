"""The preview's rules: the same zone fallback and DNC lists as a run, and the next opening
of each zone's calling window from the campaign's hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.repository import CampaignRepository
from outdial.dialer.windows import Hours, next_open
from outdial.kit.auth import Tenant
from outdial.kit.errors import not_found
from outdial.kit.timefmt import iso
from outdial.preview.repository import PreviewRepository, ZoneCount


def _zone(hours: Hours, count: ZoneCount, now: datetime) -> dict[str, Any]:
    opens = next_open(hours, count.zone, now)
    return {
        "timeZone": count.zone,
        "contacts": count.contacts - count.blocked,
        "openNow": opens == now,
        "nextOpen": iso(opens),
    }


class PreviewService:
    """Previews of one tenant's campaigns."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.tenant = tenant
        self.campaigns = CampaignRepository(session, tenant)
        self.repo = PreviewRepository(session)

    async def preview(self, campaign_id: str, now: datetime) -> dict[str, Any]:
        """What a run started at `now` would dial, and when each zone may first be called."""
        campaign = await self.campaigns.get(campaign_id)
        if campaign is None:
            raise not_found(f"Campaign {campaign_id} not found")
        zones = await self.repo.zones(campaign, await self.repo.dnc_lists(campaign))
        hours = Hours.from_days(campaign.days)
        total = sum(z.contacts for z in zones)
        blocked = sum(z.blocked for z in zones)
        shown = sorted(zones, key=lambda z: (-(z.contacts - z.blocked), z.zone))
        return {
            "campaignId": campaign.id,
            "name": campaign.name,
            "status": campaign.status,
            "contacts": total,
            "toDial": total - blocked,
            "dncExcluded": blocked,
            "invalidNumbers": await self.repo.refused_numbers(campaign),
            "timeZones": [_zone(hours, z, now) for z in shown if z.contacts > z.blocked],
            "at": iso(now),
        }
