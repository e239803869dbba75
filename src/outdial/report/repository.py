"""All SQL of the reports: per-record pages and per-run totals, grouped in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, case, cast, func, literal, null, select, union_all

from outdial.kit.repository import TenantRepository, owned_by
from outdial.models import Attempt, Contact, DialTask, Run
from outdial.models.dialing import TaskState


class ReportRepository(TenantRepository[Run]):
    """Read-only queries over one tenant's runs, their tasks and attempts (a run's tasks and
    attempts are reached through a run this repository returned)."""

    model = Run

    async def runs(self, campaign_id: str) -> Sequence[Run]:
        stmt = self.select().where(Run.campaign_id == campaign_id)
        return await self.all(stmt.order_by(Run.started_at.desc()))

    async def run(self, campaign_id: str, run_id: str) -> Run | None:
        return await self.first(
            self.select().where(Run.id == run_id, Run.campaign_id == campaign_id)
        )

    async def campaign_attempts(self, campaign_id: str) -> list[Attempt]:
        """Every attempt of one of the tenant's campaigns, in order (`simulate`'s report)."""
        stmt = select(Attempt).where(
            Attempt.campaign_id == campaign_id, owned_by(Attempt, self.tenant)
        )
        return list(await self.session.scalars(stmt.order_by(Attempt.id)))

    async def campaign_tasks(self, campaign_id: str) -> list[DialTask]:
        """Every record of every run of one of the tenant's campaigns, in dialing order."""
        mine = (DialTask.campaign_id == campaign_id, owned_by(DialTask, self.tenant))
        return list(
            await self.session.scalars(select(DialTask).where(*mine).order_by(DialTask.seq))
        )

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

    async def run_counts(self, run_ids: Sequence[str]) -> list[Row[str, str, Any, Any, int]]:
        """Everything a run summary counts, for many runs in one round trip: rows of (run
        id, kind, key, detail, count) where kind is `state` (key: state, detail: wait
        reason), `disposition`, `outcome` or `attempted` (records dialed at least once)."""
        if not run_ids:
            return []
        nothing = cast(null(), String)
        task = DialTask.run_id.in_(run_ids)
        parts = [
            select(DialTask.run_id, literal("state"), DialTask.state, DialTask.wait_reason,
                   func.count())
            .where(task).group_by(DialTask.run_id, DialTask.state, DialTask.wait_reason),
            select(DialTask.run_id, literal("disposition"), DialTask.disposition, nothing,
                   func.count())
            .where(task, DialTask.disposition.is_not(None))
            .group_by(DialTask.run_id, DialTask.disposition),
            select(Attempt.run_id, literal("outcome"), Attempt.outcome, nothing, func.count())
            .where(Attempt.run_id.in_(run_ids)).group_by(Attempt.run_id, Attempt.outcome),
            select(DialTask.run_id, literal("attempted"), nothing, nothing, func.count())
            .where(task, DialTask.attempts_made > 0).group_by(DialTask.run_id),
        ]  # fmt: skip
        return list((await self.session.execute(union_all(*parts))).all())

    async def runs_by_id(self, run_ids: Sequence[str]) -> dict[str, Run]:
        """Many runs at once (a page of campaigns' current runs), by id."""
        if not run_ids:
            return {}
        return {run.id: run for run in await self.all(self.select().where(Run.id.in_(run_ids)))}

    async def done_records(self, run_ids: Sequence[str]) -> dict[str, int]:
        """Final records per run, for many runs in one grouped query."""
        if not run_ids:
            return {}
        stmt = (
            select(DialTask.run_id, func.count())
            .where(DialTask.run_id.in_(run_ids), DialTask.state == TaskState.DONE)
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
