"""HTTP endpoints for SIP trunks (per account) and flows' SIP URIs (per stream). outdial
extension; thin: parse, call the service, wrap in Kore's envelope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.deps import ReadSessionDep, SessionDep, SettingsDep
from outdial.kit.responses import success
from outdial.kit.routing import V2_BOTH, Route
from outdial.trunk.schemas import FlowUpdate, TrunkCreate, TrunkUpdate
from outdial.trunk.service import FlowService, TrunkService
from outdial.trunk.views import render_flow, render_trunk

TAG = "SIP trunks and flows"


def trunk_service(session: SessionDep, tenant: TenantDep) -> TrunkService:
    return TrunkService(session, tenant.account_id)


def trunk_reader(session: ReadSessionDep, tenant: TenantDep) -> TrunkService:
    return TrunkService(session, tenant.account_id)


def flow_service(session: SessionDep, tenant: TenantDep, settings: SettingsDep) -> FlowService:
    return FlowService(session, tenant, settings.sip_flow_uri)


def flow_reader(session: ReadSessionDep, tenant: TenantDep, settings: SettingsDep) -> FlowService:
    return FlowService(session, tenant, settings.sip_flow_uri)


ServiceDep = Annotated[TrunkService, Depends(trunk_service)]
ReaderDep = Annotated[TrunkService, Depends(trunk_reader)]
FlowsDep = Annotated[FlowService, Depends(flow_service)]
FlowReaderDep = Annotated[FlowService, Depends(flow_reader)]


async def create_trunk(body: TrunkCreate, service: ServiceDep) -> JSONResponse:
    """Add a SIP trunk to the account; the account's first trunk becomes its default."""
    row = await service.create(body)
    return success(render_trunk(row), f"SIP trunk {row.name} created successfully")


async def list_trunks(service: ReaderDep) -> JSONResponse:
    """Every trunk of the account (passwords are never shown)."""
    rows = await service.all()
    return success([render_trunk(r) for r in rows], "SIP trunks retrieved successfully")


async def get_trunk(trunkId: str, service: ReaderDep) -> JSONResponse:
    """One trunk."""
    row = await service.get(trunkId)
    return success(render_trunk(row), "SIP trunk retrieved successfully")


async def update_trunk(trunkId: str, body: TrunkUpdate, service: ServiceDep) -> JSONResponse:
    """Change a trunk; the calls placed from then on use the new settings."""
    row = await service.update(trunkId, body)
    return success(render_trunk(row), f"SIP trunk {row.name} updated successfully")


async def delete_trunk(trunkId: str, service: ServiceDep) -> JSONResponse:
    """Remove a trunk; calls in progress on it finish."""
    row = await service.delete(trunkId)
    return success(render_trunk(row), f"SIP trunk {row.name} deleted successfully")


async def list_flows(service: FlowReaderDep) -> JSONResponse:
    """The stream's experience flows with their SIP URIs."""
    rows = await service.all()
    data = [render_flow(r, service.template_uri(r)) for r in rows]
    return success(data, "Experience flows retrieved successfully")


async def get_flow(flowId: str, service: FlowReaderDep) -> JSONResponse:
    """One experience flow and the SIP URI its calls are handed to."""
    row = await service.get(flowId)
    return success(render_flow(row, service.template_uri(row)), "Experience flow retrieved")


async def update_flow(flowId: str, body: FlowUpdate, service: FlowsDep) -> JSONResponse:
    """Set (or, with null, clear) the SIP URI answered calls are transferred to."""
    row = await service.set_uri(flowId, body)
    message = f"Experience flow {row.name} updated successfully"
    return success(render_flow(row, service.template_uri(row)), message)


_T = "/sip/trunks"
_F = "/sip/flows"
ROUTES = (
    Route("createTrunk", _T, ("POST",), create_trunk, V2_BOTH, "Add a SIP trunk", TAG,
          extension=True),
    Route("getAllTrunks", _T, ("GET",), list_trunks, V2_BOTH, "List SIP trunks", TAG,
          extension=True),
    Route("getTrunk", f"{_T}/{{trunkId}}", ("GET",), get_trunk, V2_BOTH, "Get a SIP trunk", TAG,
          target="trunk", extension=True),
    Route("updateTrunk", f"{_T}/{{trunkId}}", ("PUT",), update_trunk, V2_BOTH,
          "Update a SIP trunk", TAG, target="trunk", extension=True),
    Route("deleteTrunk", f"{_T}/{{trunkId}}", ("DELETE",), delete_trunk, V2_BOTH,
          "Delete a SIP trunk", TAG, target="trunk", extension=True),
    Route("getAllFlows", _F, ("GET",), list_flows, V2_BOTH, "List experience flows", TAG,
          extension=True),
    Route("getFlow", f"{_F}/{{flowId}}", ("GET",), get_flow, V2_BOTH,
          "Get an experience flow", TAG, target="flow", extension=True),
    Route("updateFlow", f"{_F}/{{flowId}}", ("PUT",), update_flow, V2_BOTH,
          "Set an experience flow's SIP URI", TAG, target="flow", extension=True),
)  # fmt: skip
