"""Which run a report is about, and the totals a run summary shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.service import CampaignService
from outdial.kit.auth import Tenant
from outdial.kit.errors import not_found
from outdial.models import Campaign, Run
from outdial.report.repository import ReportRepository

_STATE_NAMES = {
    ("QUEUED", None): "queued",
    ("WAITING", "window"): "waitingForWindow",
    ("WAITING", "retry"): "waitingForRetry",
    ("WAITING", "callback"): "waitingForCallback",
    ("CLAIMED", None): "dialing",
    ("DIALING", None): "dialing",
    ("DONE", None): "done",
}


@dataclass(frozen=True)
class RunTotals:
    by_state: dict[str, int]
    outcomes: dict[str, int]
    dispositions: dict[str, int]
    connect_rate: float
    contact_rate: float


@dataclass(frozen=True)
class RunSnapshot:
    """A campaign's current run as a list of campaigns shows it."""

    run: Run
    done: int
    attempts: int
    answered: int

    @property
    def connect_rate(self) -> float:
        return round(self.answered / self.attempts, 4) if self.attempts else 0.0

    @property
    def remaining(self) -> int:
        return max(self.run.total_tasks - self.done, 0)


@dataclass(frozen=True)
class OutcomeSeries:
    """Attempts ended by each point in time, per outcome (cumulative)."""

    points: list[datetime]
    counts: dict[str, list[int]]


class ReportService:
    """Reports for one tenant within one (read-only) session."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.tenant = tenant
        self.campaigns = CampaignService(session, tenant)
        self.repo = ReportRepository(session)

    async def run_of(self, campaign_id: str, run_id: str | None) -> Run | None:
        """The given run, else the campaign's current one (None before its first run)."""
        campaign = (await self.campaigns.get(campaign_id)).row
        wanted = run_id or campaign.current_run_id
        if wanted is None:
            return None
        run = await self.repo.run(self.tenant, campaign.id, wanted)
        if run is None:
            raise not_found(f"Campaign instance {wanted} not found")
        return run

    async def contacts(
        self, campaign_id: str, run_id: str | None, page: int, limit: int
    ) -> tuple[list[Any], int]:
        run = await self.run_of(campaign_id, run_id)
        if run is None:
            return [], 0
        rows = await self.repo.records(run, (page - 1) * limit, limit)
        return list(rows), run.total_tasks

    async def records(
        self, campaign_id: str, run_id: str, skip: int, limit: int, state: str | None
    ) -> tuple[list[Any], int]:
        run = await self.run_of(campaign_id, run_id)
        assert run is not None
        rows = await self.repo.records(run, skip, limit, state)
        return list(rows), await self.repo.count_records(run, state)

    async def runs(self, campaign_id: str) -> Sequence[Run]:
        campaign = (await self.campaigns.get(campaign_id)).row
        return await self.repo.runs(self.tenant, campaign.id)

    async def totals(self, run: Run) -> RunTotals:
        by_state: dict[str, int] = {}
        for (state, reason), count in (await self.repo.task_states(run)).items():
            name = _STATE_NAMES.get((state, reason), _STATE_NAMES.get((state, None), state))
            by_state[name] = by_state.get(name, 0) + count
        outcomes = await self.repo.outcomes(run)
        dispositions = await self.repo.dispositions(run)
        attempts = sum(outcomes.values())
        attempted = await self.repo.attempted_records(run)
        connected = dispositions.get("Connected", 0)
        return RunTotals(
            by_state=by_state,
            outcomes=outcomes,
            dispositions=dispositions,
            connect_rate=round(outcomes.get("answered", 0) / attempts, 4) if attempts else 0.0,
            contact_rate=round(connected / attempted, 4) if attempted else 0.0,
        )

    async def snapshots(self, campaigns: Sequence[Campaign]) -> dict[str, RunSnapshot]:
        """Each campaign's current run with its progress, by campaign id; a few grouped
        queries for a whole page of campaigns."""
        wanted = [c.current_run_id for c in campaigns if c.current_run_id]
        runs = await self.repo.runs_by_id(self.tenant, wanted)
        done = await self.repo.done_records(list(runs))
        counts = await self.repo.attempt_counts(list(runs))
        return {
            run.campaign_id: RunSnapshot(run, done.get(run.id, 0), *counts.get(run.id, (0, 0)))
            for run in runs.values()
        }

    async def outcome_series(self, run: Run, points: int, now: datetime) -> OutcomeSeries:
        """Outcomes over the run's life so far, at `points` evenly spaced instants."""
        end = now if run.ended_at is None else run.ended_at
        span = max(end - run.started_at, timedelta(seconds=1))
        steps = max(points - 1, 1)
        bounds = [run.started_at + span * (i / steps) for i in range(steps + 1)]
        return OutcomeSeries(bounds, await self.repo.outcomes_until(run, bounds))
