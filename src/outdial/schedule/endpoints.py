"""HTTP endpoint for campaign schedules (spec §4.11): keyed by campaign name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.deps import ClockDep, SessionDep
from outdial.kit.errors import bad_request, parse
from outdial.kit.responses import plain
from outdial.kit.routing import V2_BOTH, Route
from outdial.schedule.schemas import ScheduleBody
from outdial.schedule.service import ScheduleService


async def schedule_campaign(
    clock: ClockDep,
    tenant: TenantDep,
    session: SessionDep,
    enableSchedule: Annotated[bool, Query(description="true to schedule, false to stop")],
    campaignName: Annotated[str, Query(min_length=1, max_length=48)],
    body: Annotated[
        dict[str, Any] | None,
        Body(description="enableSchedule=true: startDateTime, endDateTime, recurrenceObject"),
    ] = None,
) -> JSONResponse:
    """Enable a daily or weekly schedule (the campaign then starts runs by itself and rests
    in status Scheduled between them), or disable it."""
    service = ScheduleService(session, tenant)
    now = clock.now()
    if not enableSchedule:
        campaign = await service.disable(campaignName, now)
        message = f"Campaign {campaign.name} schedule has been disabled successfully"
        return plain({"status": "success", "message": message, "id": campaign.id})
    if body is None:
        raise bad_request(
            "startDateTime, endDateTime and recurrenceObject are required", "recurrenceObject"
        )
    campaign = await service.enable(campaignName, parse(ScheduleBody, body), now)
    message = f"Campaign {campaign.name} scheduled successfully"
    return plain({"status": "success", "message": message, "id": campaign.id})


ROUTES = (
    Route("scheduleCampaign", "/campaign/schedule", ("POST",), schedule_campaign, V2_BOTH,
          "Enable or disable a campaign's schedule", "Campaigns"),
)  # fmt: skip
