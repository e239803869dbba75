"""HTTP endpoints for what campaigns did: Kore's status route (`view=status` and the contact
outcome report `view=contacts`, spec §4.7 and §4.9) and runs with their records (outdial
extensions)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Depends, Query
from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.deps import ReadSessionDep
from outdial.kit.errors import not_found
from outdial.kit.responses import plain, success
from outdial.kit.routing import V1, V2_BOTH, Route
from outdial.models.dialing import TaskState
from outdial.report.schemas import ContactsQuery
from outdial.report.service import ReportService
from outdial.report.views import contact_page, record_row, run_summary

TAG = "Campaign runs"
STATUS_TAG = "Campaigns"


def report_service(session: ReadSessionDep, tenant: TenantDep) -> ReportService:
    return ReportService(session, tenant)


ServiceDep = Annotated[ReportService, Depends(report_service)]


async def campaign_status(
    campaignId: str,
    service: ServiceDep,
    view: Annotated[Literal["status", "contacts"], Query()] = "status",
    campaignInstanceId: Annotated[str | None, Query(description="view=contacts: a run")] = None,
    body: Annotated[ContactsQuery | None, Body()] = None,
) -> JSONResponse:
    """`view=status`: the campaign's id, status and name. `view=contacts`: each record of
    the current run (or `campaignInstanceId`) with its outcome so far, `page`/`limit` paged."""
    if view == "contacts":
        query = body or ContactsQuery()
        page, limit = query.page or 1, query.limit or 100
        run_id = campaignInstanceId or query.campaignInstanceId
        rows, total = await service.contacts(campaignId, run_id, page, limit)
        return plain({"status": "success", "data": contact_page(rows, page, limit, total)})
    row = await service.campaign(campaignId)
    return plain(
        {"status": "success", "data": {"id": row.id, "status": row.status, "name": row.name}}
    )


async def list_runs(campaignId: str, service: ServiceDep) -> JSONResponse:
    """Every run of a campaign, newest first, with its totals by state, outcome and
    disposition, connect rate, and records still waiting for their window."""
    runs = await service.runs(campaignId)
    totals = await service.totals_of(runs)
    return success([run_summary(r, totals[r.id]) for r in runs], "")


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
    state: Annotated[TaskState | None, Query()] = None,
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
    Route("campaignStatus", "/campaign/{campaignId}/status", ("GET", "POST"), campaign_status,
          (*V2_BOTH, V1), "Campaign status", STATUS_TAG, target="campaign"),
    Route("listRuns", _R, ("GET",), list_runs, V2_BOTH, "Runs of a campaign with their totals",
          TAG, target="campaign", extension=True),
    Route("getRun", f"{_R}/{{campaignInstanceId}}", ("GET",), get_run, V2_BOTH,
          "One run of a campaign", TAG, target="campaign", extension=True),
    Route("runRecords", f"{_R}/{{campaignInstanceId}}/records", ("GET",), run_records, V2_BOTH,
          "Records of a run", TAG, target="campaign", extension=True),
)  # fmt: skip
