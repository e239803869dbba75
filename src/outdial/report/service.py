"""Which run a report is about, and the totals a run summary shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.service import CampaignService
from outdial.kit.auth import Tenant
from outdial.kit.errors import not_found
from outdial.models import Campaign, Run
from outdial.models.dialing import Disposition, TaskState, WaitReason
from outdial.report.repository import ReportRepository
from outdial.telephony.base import Outcome

_STATE_NAMES: dict[tuple[str, str | None], str] = {
    (TaskState.QUEUED, None): "queued",
    (TaskState.WAITING, WaitReason.WINDOW): "waitingForWindow",
    (TaskState.WAITING, WaitReason.RETRY): "waitingForRetry",
    (TaskState.WAITING, WaitReason.CALLBACK): "waitingForCallback",
    (TaskState.CLAIMED, None): "dialing",
    (TaskState.DIALING, None): "dialing",
    (TaskState.DONE, None): "done",
}


@dataclass(frozen=True)
class RunTotals:
    by_state: dict[str, int]
    outcomes: dict[str, int]
    dispositions: dict[str, int]
    connect_rate: float
    contact_rate: float


@dataclass
class _Counts:
    """One run's grouped counts as they arrive, then its totals."""

    by_state: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    dispositions: dict[str, int] = field(default_factory=dict)
    attempted: int = 0

    def add(self, kind: str, key: str | None, detail: str | None, count: int) -> None:
        if kind == "state":
            state = str(key)
            name = _STATE_NAMES.get((state, detail), _STATE_NAMES.get((state, None), state))
            self.by_state[name] = self.by_state.get(name, 0) + count
        elif kind == "outcome":
            self.outcomes[str(key or "in_progress")] = count
        elif kind == "disposition":
            self.dispositions[str(key)] = count
        else:
            self.attempted = count

    def totals(self) -> RunTotals:
        attempts = sum(self.outcomes.values())
        answered = self.outcomes.get(Outcome.ANSWERED, 0)
        connected = self.dispositions.get(Disposition.CONNECTED, 0)
        return RunTotals(
            by_state=self.by_state,
            outcomes=self.outcomes,
            dispositions=self.dispositions,
            connect_rate=round(answered / attempts, 4) if attempts else 0.0,
            contact_rate=round(connected / self.attempted, 4) if self.attempted else 0.0,
        )


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
        self.repo = ReportRepository(session, tenant)

    async def campaign(self, campaign_id: str) -> Campaign:
        """The tenant's campaign (404 when it is another tenant's or missing)."""
        return await self.campaigns.status(campaign_id)

    async def run_of(self, campaign_id: str, run_id: str | None) -> Run | None:
        """The given run, else the campaign's current one (None before its first run)."""
        campaign = (await self.campaigns.get(campaign_id)).row
        wanted = run_id or campaign.current_run_id
        if wanted is None:
            return None
        run = await self.repo.run(campaign.id, wanted)
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
        return await self.repo.runs(campaign.id)

    async def totals(self, run: Run) -> RunTotals:
        return (await self.totals_of([run]))[run.id]

    async def totals_of(self, runs: Sequence[Run]) -> dict[str, RunTotals]:
        """Each run's totals by id, from one grouped query for all of them."""
        counts = {run.id: _Counts() for run in runs}
        for run_id, kind, key, detail, count in await self.repo.run_counts(list(counts)):
            counts[run_id].add(kind, key, detail, int(count))
        return {run_id: tally.totals() for run_id, tally in counts.items()}

    async def snapshots(self, campaigns: Sequence[Campaign]) -> dict[str, RunSnapshot]:
        """Each campaign's current run with its progress, by campaign id; a few grouped
        queries for a whole page of campaigns."""
        wanted = [c.current_run_id for c in campaigns if c.current_run_id]
        runs = await self.repo.runs_by_id(wanted)
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
