"""The campaign page: configuration, live progress and chart, attempts with filters and CSV,
the runs history, and the pre-launch preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.service import CampaignService
from outdial.deps import ClockDep, ReadSessionDep, ReadSessionsDep
from outdial.kit.auth import Tenant
from outdial.preview.service import PreviewService
from outdial.report.service import ReportService
from outdial.run.export import AttemptFilter, attempts_page, csv_chunks, iter_filtered
from outdial.run.service import PLAYABLE
from outdial.telephony.base import Outcome
from outdial.web import chart, live
from outdial.web.auth import OperatorDep
from outdial.web.campaigns import ACTION_WORDS
from outdial.web.forms import DAY_NAMES
from outdial.web.render import html

ATTEMPTS_PAGE = 50
RUNS_SHOWN = 20
OUTCOMES = [(str(o), chart.label(o)) for o in Outcome] + [("in_progress", "In progress")]
Text = Annotated[str, Query(max_length=64)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@dataclass(frozen=True)
class Attempts:
    """One page of the attempts table and the filter that chose it."""

    rows: list[dict[str, Any]]
    wanted: AttemptFilter
    page: int
    more: bool

    def query(self, **changes: Any) -> dict[str, Any]:
        """The table's query parameters, with some changed (for paging links)."""
        base = {"run": self.wanted.run_id or "", "outcome": self.wanted.outcome or ""}
        return {**base, "phone": self.wanted.digits, "page": self.page, **changes}


def _wanted(run: Text = "", outcome: Text = "", phone: Text = "") -> AttemptFilter:
    """The attempts filter from the query: an unknown outcome means all, a number its digits."""
    known = {value for value, _ in OUTCOMES}
    digits = "".join(ch for ch in phone if ch.isdigit())
    return AttemptFilter(run or None, outcome if outcome in known else None, digits)


WantedDep = Annotated[AttemptFilter, Depends(_wanted)]


async def _attempts(
    session: AsyncSession, tenant: Tenant, campaign_id: str, wanted: AttemptFilter, page: int
) -> Attempts:
    skip = (page - 1) * ATTEMPTS_PAGE
    rows = await attempts_page(session, tenant, campaign_id, wanted, skip, ATTEMPTS_PAGE + 1)
    return Attempts(rows[:ATTEMPTS_PAGE], wanted, page, len(rows) > ATTEMPTS_PAGE)


async def _runs(reports: ReportService, campaign_id: str) -> list[tuple[Any, Any]]:
    """The latest runs, newest first, each with its totals."""
    runs = list(await reports.runs(campaign_id))[:RUNS_SHOWN]
    totals = await reports.totals_of(runs)
    return [(run, totals[run.id]) for run in runs]


def _hours(days: list[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """Calling hours as a week: each day with its windows (`9:00 AM to 6:00 PM`)."""
    return [
        (name, [f"{d['start']} to {d['end']}" for d in days if d["day"] == code])
        for code, name in DAY_NAMES.items()
    ]


async def campaign_page(
    request: Request,
    stream: str,
    campaign_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    wanted: WantedDep,
    clock: ClockDep,
    page: PageNumber = 1,
) -> Response:
    """Everything about one campaign on one page."""
    tenant = operator.tenant(stream)
    now = clock.now()
    panel = await live.gather(session, tenant, campaign_id, now)
    reports = ReportService(session, tenant)
    attempts = await _attempts(session, tenant, campaign_id, wanted, page)
    preview = None
    if panel.status in (*PLAYABLE, "Preparing"):
        preview = await PreviewService(session, tenant).preview(campaign_id, now)
    return html(
        request, "campaign.html", operator=operator, stream=stream, live=panel,
        view=panel.view, hours=_hours(panel.view.row.days), attempts=attempts,
        runs=await _runs(reports, campaign_id), outcomes=OUTCOMES, words=ACTION_WORDS,
        preview=preview,
    )  # fmt: skip


async def live_panel(
    request: Request,
    stream: str,
    campaign_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    clock: ClockDep,
) -> Response:
    """The live panel alone: what htmx polls."""
    panel = await live.gather(session, operator.tenant(stream), campaign_id, clock.now())
    return html(
        request, "_live.html", operator=operator, stream=stream, live=panel, view=panel.view,
        words=ACTION_WORDS,
    )  # fmt: skip


async def attempts_table(
    request: Request,
    stream: str,
    campaign_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    wanted: WantedDep,
    page: PageNumber = 1,
) -> Response:
    """The attempts table alone, filtered and paged (htmx swaps it in place)."""
    tenant = operator.tenant(stream)
    view = await CampaignService(session, tenant).get(campaign_id)
    attempts = await _attempts(session, tenant, campaign_id, wanted, page)
    runs = await _runs(ReportService(session, tenant), campaign_id)
    return html(
        request, "_attempts.html", operator=operator, stream=stream, view=view,
        attempts=attempts, runs=runs, outcomes=OUTCOMES,
    )  # fmt: skip


async def attempts_csv(
    stream: str,
    campaign_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    sessions: ReadSessionsDep,
    wanted: WantedDep,
) -> Response:
    """The filtered attempts as CSV, in the API export's columns."""
    tenant = operator.tenant(stream)
    await CampaignService(session, tenant).get(campaign_id)
    rows = iter_filtered(sessions, tenant, campaign_id, wanted)
    name = f'attachment; filename="{campaign_id}-attempts.csv"'
    return StreamingResponse(
        csv_chunks(rows), media_type="text/csv", headers={"Content-Disposition": name}
    )
