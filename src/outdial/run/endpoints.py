"""HTTP endpoints for triggers (spec §4.5, §4.6 and their other path forms) and the attempts
export (an outdial extension)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Body, Query
from fastapi.responses import JSONResponse, StreamingResponse

from outdial.auth.route import TenantDep
from outdial.campaign.service import CampaignService
from outdial.deps import ClockDep, ReadSessionDep, ReadSessionsDep, SessionDep, WakeDep
from outdial.kit.errors import bad_request
from outdial.kit.responses import plain
from outdial.kit.routing import V1_CAMPAIGN, V2_BOTH, Route
from outdial.kit.timefmt import iso
from outdial.run.callbacks import schedule_callbacks
from outdial.run.export import csv_chunks, iter_attempts
from outdial.run.schemas import CallbackItem
from outdial.run.service import RunService, Triggered

TAG = "Campaign runs"


def _answer(result: Triggered) -> dict[str, Any]:
    body: dict[str, Any] = {"status": result.status, "message": result.message}
    if result.completed_calls is not None:
        body["totalCallsCompleted"] = result.completed_calls
    body["updatedAt"] = iso(result.updated_at)
    body["campaignInstanceId"] = result.run_id
    return body


async def trigger_campaign(
    campaignId: str,
    clock: ClockDep,
    wake: WakeDep,
    tenant: TenantDep,
    session: SessionDep,
    trigger: Annotated[str | None, Query(description="play | stop | pause | resume")] = None,
) -> JSONResponse:
    """Start (`play`), stop, pause or resume a campaign. pause and resume are outdial
    extensions; play on a Ready, Stopped or Completed campaign starts a new run."""
    if trigger not in ("play", "stop", "pause", "resume"):
        raise bad_request("trigger must be one of play, stop, pause, resume", "trigger")
    result = await RunService(session, tenant, wake).trigger(campaignId, trigger, clock.now())
    return plain(_answer(result))


async def _json_lines(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    yield '{"status":"success","data":['
    first = True
    async for row in rows:
        yield ("" if first else ",") + json.dumps(row)
        first = False
    yield "]}"


async def export_attempts(
    campaignId: str,
    tenant: TenantDep,
    session: ReadSessionDep,
    sessions: ReadSessionsDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    campaignInstanceId: Annotated[str | None, Query(description="one run only")] = None,
) -> StreamingResponse:
    """Every call attempt of a campaign, one row each: the engine's own record."""
    await CampaignService(session, tenant).get(campaignId)
    rows = iter_attempts(sessions, tenant, campaignId, campaignInstanceId)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{campaignId}-attempts.csv"'}
        return StreamingResponse(csv_chunks(rows), media_type="text/csv", headers=headers)
    return StreamingResponse(_json_lines(rows), media_type="application/json")


async def call_contact_at(
    campaignInstanceId: str,
    clock: ClockDep,
    tenant: TenantDep,
    session: SessionDep,
    body: Annotated[list[CallbackItem], Body(min_length=1, max_length=1000)],
) -> JSONResponse:
    """callContactAt: call records of a run back at set times; each item is answered with
    its own status (`time_in_past`, `not_found`, `in_call`, `run_not_active`)."""
    answers = await schedule_callbacks(session, tenant, campaignInstanceId, body, clock.now())
    return plain({"status": "success", "data": answers})


ROUTES = (
    Route("triggerCampaign", "/campaign/trigger/{campaignId}", ("POST",), trigger_campaign,
          V2_BOTH, "Start, stop, pause or resume a campaign", TAG, target="campaign"),
    Route("triggerCampaignByQuery", "/campaign/{campaignId}", ("POST",), trigger_campaign,
          (*V2_BOTH, V1_CAMPAIGN), "Trigger a campaign (?trigger= form)", TAG,
          target="campaign"),
    Route("callContactAt", "/campaign/{campaignInstanceId}/callContactAt", ("POST",),
          call_contact_at, V2_BOTH, "Call records back at a set time", TAG, target="run"),
    Route("exportAttempts", "/campaign/{campaignId}/attempts", ("GET",), export_attempts,
          V2_BOTH, "Every call attempt of a campaign (JSON or CSV)", TAG, target="campaign",
          extension=True),
)  # fmt: skip
