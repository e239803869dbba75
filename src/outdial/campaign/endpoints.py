"""HTTP endpoints for voice campaigns (spec §4.1-4.8 and their v1 forms). Thin: parse,
authorise, call the service, wrap the result in Kore's envelope. The status route (§4.7,
§4.9) is served by `outdial.report`, which owns what campaigns did."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import BackgroundTasks, Body, Depends, Query
from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.campaign.schemas import CampaignBody, CampaignQuery
from outdial.campaign.service import CampaignService, prepare
from outdial.campaign.views import render, render_page
from outdial.deps import ReadSessionDep, SessionDep, SessionsDep
from outdial.kit.responses import plain, success
from outdial.kit.routing import V1, V2_BOTH, Route, VersionDep

TAG = "Campaigns"


def campaign_service(session: SessionDep, tenant: TenantDep) -> CampaignService:
    return CampaignService(session, tenant)


def campaign_reader(session: ReadSessionDep, tenant: TenantDep) -> CampaignService:
    return CampaignService(session, tenant)


ServiceDep = Annotated[CampaignService, Depends(campaign_service)]
ReaderDep = Annotated[CampaignService, Depends(campaign_reader)]


async def create_campaign(
    body: CampaignBody,
    service: ServiceDep,
    version: VersionDep,
    sessions: SessionsDep,
    background: BackgroundTasks,
) -> JSONResponse:
    """Create an Agentless, Progressive or Preview campaign. It answers `Preparing` and turns
    `Ready` once its lists are checked."""
    view = await service.create(body, version)
    background.add_task(prepare, sessions, view.row.id)
    message = f"Campaign {view.row.name} creation in progress"
    if version == "v1" and view.row.dialing_mode == "Preview":
        return plain(
            {
                "status": "success",
                "message": message,
                "id": view.row.id,
                "data": {"campId": view.row.id},
            }
        )
    return success(render(view, "create", version), message)


async def get_campaign(campaignId: str, service: ReaderDep, version: VersionDep) -> JSONResponse:
    """One campaign by id."""
    view = await service.get(campaignId)
    message = f"Campaign {view.row.name} retrieved successfully"
    return success(render(view, "get", version), message)


async def update_campaign(
    campaignId: str, body: CampaignBody, service: ServiceDep, version: VersionDep
) -> JSONResponse:
    """Replace a campaign's configuration (not while it is Active)."""
    view = await service.update(campaignId, body, version)
    message = f"Campaign {view.row.name} details updated successfully"
    return success(render(view, "update", version), message, id=view.row.id)


async def delete_campaign(
    campaignId: str, service: ServiceDep, version: VersionDep
) -> JSONResponse:
    """Delete a campaign that is not running; answers the deleted campaign."""
    view = await service.delete(campaignId)
    message = f"Campaign {view.row.name} deleted successfully"
    return success(render(view, "delete", version), message)


async def list_campaigns(
    service: ReaderDep,
    version: VersionDep,
    body: Annotated[CampaignQuery | None, Body()] = None,
    campaign_type: Annotated[Literal["voice", "sms"] | None, Query(alias="type")] = None,
) -> JSONResponse:
    """getAllCampaignDetails: filter, sort and page the stream's campaigns (POST or GET)."""
    query = body or CampaignQuery()
    if campaign_type is not None and body is None:
        query = CampaignQuery(type=campaign_type)
    page = await service.search(query)
    return success(render_page(page, version), "Campaign  retrieved successfully")


_C = "/campaign"
_ALL = (*V2_BOTH, V1)
ROUTES = (
    Route("createCampaign", _C, ("POST",), create_campaign, _ALL,
          "Create a voice campaign", TAG),
    Route("getAllCampaignDetails", f"{_C}/getAllCampaignDetails", ("GET", "POST"),
          list_campaigns, _ALL, "List campaigns", TAG),
    Route("getCampaign", f"{_C}/{{campaignId}}", ("GET",), get_campaign, _ALL,
          "Get a campaign", TAG, target="campaign"),
    Route("updateCampaign", f"{_C}/{{campaignId}}", ("PUT",), update_campaign, _ALL,
          "Update (replace) a campaign", TAG, target="campaign"),
    Route("deleteCampaign", f"{_C}/{{campaignId}}", ("DELETE",), delete_campaign, _ALL,
          "Delete a campaign", TAG, target="campaign"),
)  # fmt: skip
