"""All SQL of the reports: per-record pages and per-run totals, grouped in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant
from outdial.models import Attempt, Contact, DialTask, Run


class ReportRepository:
    """Read-only queries over runs, their tasks and attempts, always per tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def runs(self, tenant: Tenant, campaign_id: str) -> Sequence[Run]:
        stmt = (
            select(Run)
            .where(
                Run.campaign_id == campaign_id,
                Run.account_id == tenant.account_id,
                Run.stream_id == tenant.stream_id,
            )
            .order_by(Run.started_at.desc())
        )
        return (await self.session.scalars(stmt)).all()

    async def run(self, tenant: Tenant, campaign_id: str, run_id: str) -> Run | None:
        stmt = select(Run).where(
            Run.id == run_id,
            Run.campaign_id == campaign_id,
            Run.account_id == tenant.account_id,
            Run.stream_id == tenant.stream_id,
        )
        return await self.session.scalar(stmt)

    async def records(
        self, run: Run, skip: int, limit: int, state: str | None = None
    ) -> Sequence[Row[DialTask, str | None]]:
        """One page of a run's records in dialing order, with each contact's uniqueId."""
        stmt = (
            select(DialTask, Contact.unique_id)
            .join(Contact, Contact.id == DialTask.contact_id, isouter=True)
            .where(DialTask.run_id == run.id, DialTask.account_id == run.account_id)
        )
        if state is not None:
            stmt = stmt.where(DialTask.state == state)
        stmt = stmt.order_by(DialTask.seq).offset(skip).limit(limit)
        return (await self.session.execute(stmt)).all()

    async def count_records(self, run: Run, state: str | None) -> int:
        stmt = select(func.count()).select_from(DialTask).where(DialTask.run_id == run.id)
        if state is not None:
            stmt = stmt.where(DialTask.state == state)
        return int(await self.session.scalar(stmt) or 0)

    async def task_states(self, run: Run) -> dict[tuple[str, str | None], int]:
        stmt = (
            select(DialTask.state, DialTask.wait_reason, func.count())
            .where(DialTask.run_id == run.id)
            .group_by(DialTask.state, DialTask.wait_reason)
        )
        return {(s, w): int(n) for s, w, n in await self.session.execute(stmt)}

    async def dispositions(self, run: Run) -> dict[str, int]:
        stmt = (
            select(DialTask.disposition, func.count())
            .where(DialTask.run_id == run.id, DialTask.disposition.is_not(None))
            .group_by(DialTask.disposition)
        )
        return {str(d): int(n) for d, n in await self.session.execute(stmt)}

    async def outcomes(self, run: Run) -> dict[str, int]:
        stmt = (
            select(Attempt.outcome, func.count())
            .where(Attempt.run_id == run.id, Attempt.account_id == run.account_id)
            .group_by(Attempt.outcome)
        )
        return {str(o or "in_progress"): int(n) for o, n in await self.session.execute(stmt)}

    async def attempted_records(self, run: Run) -> int:
        stmt = (
            select(func.count())
            .select_from(DialTask)
            .where(DialTask.run_id == run.id, DialTask.attempts_made > 0)
        )
        return int(await self.session.scalar(stmt) or 0)

    async def runs_by_id(self, tenant: Tenant, run_ids: Sequence[str]) -> dict[str, Run]:
        """Many runs at once (a page of campaigns' current runs), by id."""
        if not run_ids:
            return {}
        stmt = select(Run).where(
            Run.id.in_(run_ids),
            Run.account_id == tenant.account_id,
            Run.stream_id == tenant.stream_id,
        )
        return {run.id: run for run in await self.session.scalars(stmt)}

    async def done_records(self, run_ids: Sequence[str]) -> dict[str, int]:
        """Final records per run, for many runs in one grouped query."""
        if not run_ids:
            return {}
        stmt = (
            select(DialTask.run_id, func.count())
            .where(DialTask.run_id.in_(run_ids), DialTask.state == "DONE")
            .group_by(DialTask.run_id)
        )
        return {run_id: int(n) for run_id, n in await self.session.execute(stmt)}

    async def attempt_counts(self, run_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(attempts, answered attempts) per run, for many runs in one grouped query."""
        if not run_ids:
            return {}
        answered = func.sum(case((Attempt.outcome == "answered", 1), else_=0))
        stmt = (
            select(Attempt.run_id, func.count(), answered)
            .where(Attempt.run_id.in_(run_ids))
            .group_by(Attempt.run_id)
        )
        return {r: (int(n), int(a or 0)) for r, n, a in await self.session.execute(stmt)}

    async def outcomes_until(self, run: Run, bounds: Sequence[datetime]) -> dict[str, list[int]]:
        """For each outcome, how many of the run's attempts had ended by each bound: the
        cumulative series a chart draws, in one pass over the run's attempts. The last point
        counts every ended attempt (calls in flight when a run stops end after it)."""
        if not bounds:
            return {}
        columns: list[Any] = [
            func.sum(case((Attempt.ended_at <= b, 1), else_=0)) for b in bounds[:-1]
        ]
        columns.append(func.count())
        stmt = (
            select(Attempt.outcome, *columns)
            .where(
                Attempt.run_id == run.id,
                Attempt.account_id == run.account_id,
                Attempt.outcome.is_not(None),
            )
            .group_by(Attempt.outcome)
        )
        return {
            str(row[0]): [int(n or 0) for n in row[1:]] for row in await self.session.execute(stmt)
        }
