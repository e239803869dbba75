"""What the campaign page's live panel shows, gathered from the report service.

The panel is re-fetched by htmx every few seconds while the campaign can still change by
itself (a run going, lists being checked, a schedule pending) and stops polling once it
cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.service import CampaignService, CampaignView
from outdial.kit.auth import Tenant
from outdial.models import Run
from outdial.models.dialing import Disposition
from outdial.report.service import ReportService, RunTotals
from outdial.run.service import PLAYABLE
from outdial.web import chart
from outdial.web.chart import Chart

MOVING = ("Active", "Paused", "Preparing", "Scheduled", "Rescheduled")
CHART_POINTS = 24


@dataclass(frozen=True)
class Live:
    """A campaign with its current run's numbers and chart (None before its first run)."""

    view: CampaignView
    run: Run | None
    totals: RunTotals | None
    chart: Chart | None

    @property
    def status(self) -> str:
        return self.view.row.status

    @property
    def polling(self) -> bool:
        return self.status in MOVING

    @property
    def actions(self) -> list[str]:
        """The triggers the campaign's status allows, in button order."""
        status = self.status
        return [
            action
            for action, allowed in (
                ("play", status in PLAYABLE),
                ("pause", status == "Active"),
                ("resume", status == "Paused"),
                ("stop", status in ("Active", "Paused")),
            )
            if allowed
        ]

    def count(self, state: str) -> int:
        return self.totals.by_state.get(state, 0) if self.totals else 0

    @property
    def records(self) -> int:
        return self.run.total_tasks if self.run else 0

    @property
    def dialed(self) -> int:
        return sum(self.totals.outcomes.values()) if self.totals else 0

    @property
    def remaining(self) -> int:
        return max(self.records - self.count("done"), 0)

    @property
    def dnc_excluded(self) -> int:
        return self.totals.dispositions.get(Disposition.DNC_EXCLUDED, 0) if self.totals else 0

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        """Outcomes so far, labelled, largest first."""
        found = self.totals.outcomes if self.totals else {}
        return sorted(((chart.label(k), n) for k, n in found.items()), key=lambda p: -p[1])


async def gather(session: AsyncSession, tenant: Tenant, campaign_id: str, now: datetime) -> Live:
    """The live panel's data: the campaign, its current run, totals and chart."""
    view = await CampaignService(session, tenant).get(campaign_id)
    reports = ReportService(session, tenant)
    run = await reports.run_of(campaign_id, None)
    if run is None:
        return Live(view, None, None, None)
    totals = await reports.totals(run)
    series = await reports.outcome_series(run, CHART_POINTS, now)
    return Live(view, run, totals, chart.build(series))
