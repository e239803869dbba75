"""Enabling and disabling schedules, and starting the runs they call for.

A scheduled campaign rests in status Scheduled between runs. Each occurrence starts a new run
from the whole list (its numbers re-checked against the DNC lists at that moment); a run still
going at the next occurrence is stopped first. Calling hours still apply: a run started at
night waits for its window. The times have no zone in Kore's API, so they are read in the
campaign's calling-hours zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.repository import CampaignRepository
from outdial.kit.auth import Tenant
from outdial.kit.errors import ErrorItem, conflict, invalid, not_found
from outdial.models import Campaign
from outdial.run.service import RunService
from outdial.schedule.recurrence import Plan
from outdial.schedule.repository import ScheduleRepository
from outdial.schedule.schemas import ScheduleBody

BUSY = ("Active", "Paused")


def _stored(body: ScheduleBody, zone: str) -> dict[str, Any]:
    recurrence = body.recurrenceObject
    details = recurrence.details()
    every = details.onceEveryNdays if recurrence.recurType == "Daily" else details.onceEveryNweeks
    return {
        "start": body.startDateTime,
        "end": body.endDateTime,
        "timezone": zone,
        "recurType": recurrence.recurType,
        "every": every or 1,
        "whichDays": list(details.whichDays or []),
    }


def _check(body: ScheduleBody, plan: Plan, now: datetime) -> datetime:
    """The first start, once the dates make sense; every problem is reported."""
    errors: list[ErrorItem] = []
    if body.recurrenceObject.recurType == "Weekly" and not plan.weekdays:
        path = "recurrenceObject.weeklyDetails.whichDays"
        errors.append(ErrorItem(f"{path} must name at least one day", 400, path))
    if plan.end <= plan.start:
        errors.append(ErrorItem("endDateTime must be after startDateTime", 400, "endDateTime"))
    elif plan.instant(plan.end.date()) <= now:
        errors.append(ErrorItem("endDateTime must be in the future", 400, "endDateTime"))
    if errors:
        raise invalid(errors)
    first = plan.next_after(now)
    if first is None:
        raise invalid(
            [
                ErrorItem(
                    "the schedule has no start left before endDateTime", 400, "recurrenceObject"
                )
            ]
        )
    return first


class ScheduleService:
    """Schedule changes for one tenant within one session."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant
        self.campaigns = CampaignRepository(session, tenant)

    async def _campaign(self, name: str) -> Campaign:
        row = await self.campaigns.by_lname(name.lower())
        if row is None:
            raise not_found(f"Campaign {name} not found")
        return await self.campaigns.get(row.id, lock=True) or row

    async def enable(self, name: str, body: ScheduleBody, now: datetime) -> Campaign:
        campaign = await self._campaign(name)
        if campaign.status in BUSY or campaign.status == "Preparing":
            raise conflict(
                f"Campaign {campaign.name} is {campaign.status}; stop it before scheduling it",
                "enableSchedule",
            )
        stored = _stored(body, campaign.timezone)
        first = _check(body, Plan.from_stored(stored), now)
        campaign.schedule, campaign.next_run_at = stored, first
        campaign.scheduling_enabled = campaign.recurrence_enabled = True
        campaign.status, campaign.updated_at = "Scheduled", now
        await self.session.commit()
        return campaign

    async def disable(self, name: str, now: datetime) -> Campaign:
        campaign = await self._campaign(name)
        campaign.scheduling_enabled = campaign.recurrence_enabled = False
        campaign.next_run_at, campaign.updated_at = None, now
        if campaign.status == "Scheduled":
            campaign.status = "Ready"
        await self.session.commit()
        return campaign


async def start_due(session: AsyncSession, now: datetime) -> list[str]:
    """Start every run whose time has come (any tenant); returns the new run ids."""
    repo = ScheduleRepository(session)
    started: list[str] = []
    for campaign in await repo.due(now):
        due = campaign.next_run_at
        assert due is not None and campaign.schedule is not None
        following = Plan.from_stored(campaign.schedule).next_after(max(now, due))
        if not await repo.claim(campaign.id, due, following):
            continue  # another worker took this occurrence
        tenant = Tenant("scheduler", campaign.account_id, campaign.stream_id)
        run = await RunService(session, tenant).scheduled_start(campaign, due)
        started.append(run)
    await session.commit()
    return started
