"""HTTP endpoints for runs and their records (outdial extensions). The contact outcome
report (`status?view=contacts`) is served by the campaign status route."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import JSONResponse

from outdial.apps.auth import TenantDep
from outdial.deps import ReadSessionDep
from outdial.kit.errors import not_found
from outdial.kit.responses import success
from outdial.kit.routing import V2_BOTH, Route
from outdial.report.service import ReportService
from outdial.report.views import record_row, run_summary

TAG = "Campaign runs"
State = Literal["QUEUED", "WAITING", "CLAIMED", "DIALING", "DONE"]


def report_service(session: ReadSessionDep, tenant: TenantDep) -> ReportService:
    return ReportService(session, tenant)


ServiceDep = Annotated[ReportService, Depends(report_service)]


async def list_runs(campaignId: str, service: ServiceDep) -> JSONResponse:
    """Every run of a campaign, newest first, with its totals by state, outcome and
    disposition, connect rate, and records still waiting for their window."""
    runs = await service.runs(campaignId)
    return success([run_summary(r, await service.totals(r)) for r in runs], "")


async def get_run(campaignId: str, campaignInstanceId: str, service: ServiceDep) -> JSONResponse:
    """One run's summary."""
    run = await service.run_of(campaignId, campaignInstanceId)
    if run is None:
        raise not_found(f"Campaign instance {campaignInstanceId} not found")
    return success(run_summary(run, await service.totals(run)), "")


async def run_records(
    campaignId: str,
    campaignInstanceId: str,
    service: ServiceDep,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    state: Annotated[State | None, Query()] = None,
) -> JSONResponse:
    """A run's records in dialing order, with the `campaignDialingListId` callContactAt
    takes, where each stands, and why it waits."""
    rows, total = await service.records(campaignId, campaignInstanceId, skip, limit, state)
    data = {
        "results": [record_row(task, unique_id) for task, unique_id in rows],
        "skip": skip,
        "limit": limit,
        "hasMore": skip + len(rows) < total,
        "totalResults": total,
    }
    return success(data, "")


_R = "/campaign/{campaignId}/runs"
ROUTES = (
    Route("listRuns", _R, ("GET",), list_runs, V2_BOTH, "Runs of a campaign with their totals",
          TAG, target="campaign", extension=True),
    Route("getRun", f"{_R}/{{campaignInstanceId}}", ("GET",), get_run, V2_BOTH,
          "One run of a campaign", TAG, target="campaign", extension=True),
    Route("runRecords", f"{_R}/{{campaignInstanceId}}/records", ("GET",), run_records, V2_BOTH,
          "Records of a run", TAG, target="campaign", extension=True),
)  # fmt: skip
