"""All SQL of the campaign preview: counts grouped by zone, never a row at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, exists, false, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from outdial.models import (
    Campaign,
    CampaignContactList,
    Contact,
    ContactList,
    ImportJob,
    ImportRowError,
)


@dataclass(frozen=True)
class ZoneCount:
    """Contacts of a campaign whose calling hours follow one zone, and how many are on DNC."""

    zone: str
    contacts: int
    blocked: int


class PreviewRepository:
    """Reads for the preview, within the caller's (read-only) session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def dnc_lists(self, campaign: Campaign) -> list[str]:
        """The lists that block a number for this campaign: the account's global DNC list
        and the campaign's own, as the run's scrub and the dialer use them."""
        found = await self.session.scalars(
            select(ContactList.id).where(
                ContactList.account_id == campaign.account_id,
                ContactList.is_global_dnc.is_(True),
            )
        )
        return [*found, *([campaign.dnc_list_id] if campaign.dnc_list_id else [])]

    async def zones(self, campaign: Campaign, dnc_lists: list[str]) -> list[ZoneCount]:
        """Per zone (the contact's own, else its number's, else the campaign's, as a run
        assigns them): contacts and those on a DNC list, in one grouped statement."""
        blocked: ColumnElement[bool] = false()
        if dnc_lists:
            entry = aliased(Contact)
            blocked = exists().where(
                entry.list_id.in_(dnc_lists), entry.phone_number == Contact.phone_number
            )
        zone = func.coalesce(Contact.time_zone, Contact.number_zone, literal(campaign.timezone))
        stmt = (
            select(zone, func.count(), func.sum(case((blocked, 1), else_=0)))
            .join(CampaignContactList, CampaignContactList.list_id == Contact.list_id)
            .where(CampaignContactList.campaign_id == campaign.id)
            .group_by(zone)
        )
        rows = await self.session.execute(stmt)
        return [ZoneCount(z, int(n), int(b or 0)) for z, n, b in rows]

    async def refused_numbers(self, campaign: Campaign) -> int:
        """Rows the completed imports into the campaign's lists refused for their number:
        contacts someone meant to call that no run will dial."""
        stmt = (
            select(func.count())
            .select_from(ImportRowError)
            .join(ImportJob, ImportJob.id == ImportRowError.job_id)
            .join(CampaignContactList, CampaignContactList.list_id == ImportJob.list_id)
            .where(
                CampaignContactList.campaign_id == campaign.id,
                ImportJob.status == "completed",
                ImportRowError.field == "phoneNumber",
            )
        )
        return int(await self.session.scalar(stmt) or 0)
