"""Every SQL statement the engine runs.

Statements that change a task are conditional on who holds it (`lease_owner`, `fence`,
`state`), so two workers can never both act on one task, and a worker whose lease expired
cannot write over the recovery that followed. Callers own the transactions; on PostgreSQL the
claim and pre-dial steps lock the account row, which serialises them per account across
workers (on SQLite every write transaction is already exclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.models import Account, Attempt, Base, Campaign, Contact, ContactList, DialTask, Run

LIVE = ("QUEUED", "WAITING", "CLAIMED", "DIALING")
HELD = ("CLAIMED", "DIALING")


@dataclass(frozen=True)
class ActiveRun:
    """A run the engine works on, with its account's limits."""

    id: str
    campaign_id: str
    account_id: str
    config: dict[str, Any]
    zones: tuple[str, ...]
    lines: int
    cps: float


@dataclass(frozen=True)
class Held:
    """A task this worker holds (claimed, or dialing after `begin_attempts`)."""

    task_id: int
    fence: int
    run_id: str
    phone: str
    zone: str
    attempts_made: int
    contact_id: int


@dataclass(frozen=True)
class Dial:
    """An attempt committed in DIALING: the call may now be placed, once."""

    attempt_id: int
    attempt_no: int
    held: Held


@dataclass(frozen=True)
class Finish:
    """How to close one attempt and move its task on."""

    dial: Dial
    outcome: str
    answered_at: datetime | None
    ended_at: datetime
    reason: str
    state: str
    next_attempt_at: datetime
    disposition: str | None


def _held(row: Any) -> Held:
    return Held(
        row.id,
        row.fence,
        row.run_id,
        row.phone_number,
        row.time_zone,
        row.attempts_made,
        row.contact_id,
    )


class EngineRepository:
    """The engine's SQL, within the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def runs(self, statuses: Sequence[str] = ("Active",)) -> list[ActiveRun]:
        stmt = (
            select(Run, Account.lines, Account.cps)
            .join(Account, Account.id == Run.account_id)
            .where(Run.status.in_(statuses))
            .order_by(Run.started_at)
        )
        rows = await self.session.execute(stmt)
        return [
            ActiveRun(r.id, r.campaign_id, r.account_id, dict(r.config), tuple(r.zones), lines, cps)
            for r, lines, cps in rows
        ]

    async def run_statuses(self, run_ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(run_ids))
        if not ids:
            return {}
        rows = await self.session.execute(select(Run.id, Run.status).where(Run.id.in_(ids)))
        return {run_id: status for run_id, status in rows}

    async def promote(self, run_ids: Sequence[str], now: datetime) -> int:
        """Tasks whose retry time or window opening has come are queued again."""
        result = await self.session.execute(
            update(DialTask)
            .where(
                DialTask.run_id.in_(run_ids),
                DialTask.state == "WAITING",
                DialTask.next_attempt_at <= now,
            )
            .values(state="QUEUED", wait_reason=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def defer_zone(self, run_id: str, zone: str, until: datetime, now: datetime) -> None:
        """Queued tasks of a zone whose window is closed wait for it to open."""
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.run_id == run_id, DialTask.state == "QUEUED", DialTask.time_zone == zone
            )
            .values(state="WAITING", next_attempt_at=until, wait_reason="window", updated_at=now)
        )

    async def lock_account(self, account_id: str) -> None:
        """Serialise claims per account across workers (SQLite transactions are exclusive
        already, so this is a PostgreSQL row lock only)."""
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = select(Account.id).where(Account.id == account_id).with_for_update()
            await self.session.execute(stmt)

    async def held_by_run(self, account_id: str) -> dict[str, int]:
        """Calls in progress (claimed or dialing) per run of an account: its busy lines."""
        stmt = (
            select(DialTask.run_id, func.count())
            .where(DialTask.account_id == account_id, DialTask.state.in_(HELD))
            .group_by(DialTask.run_id)
        )
        return {run_id: int(n) for run_id, n in await self.session.execute(stmt)}

    async def queued(self, run_id: str, cap: int) -> int:
        """How many tasks are ready (queued ones are in open zones), counted up to `cap`."""
        inner = (
            select(DialTask.id)
            .where(DialTask.run_id == run_id, DialTask.state == "QUEUED")
            .limit(cap)
            .subquery()
        )
        return int(await self.session.scalar(select(func.count()).select_from(inner)) or 0)

    async def claim(
        self, run_id: str, zones: Sequence[str], limit: int, worker: str, lease_until: datetime
    ) -> list[Held]:
        """Lease the next `limit` queued tasks in dialing order (priority, then list order)."""
        ids = (
            select(DialTask.id)
            .where(
                DialTask.run_id == run_id, DialTask.state == "QUEUED", DialTask.time_zone.in_(zones)
            )
            .order_by(DialTask.rank, DialTask.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        chosen = list(await self.session.scalars(ids))
        if not chosen:
            return []
        stmt = (
            update(DialTask)
            .where(DialTask.id.in_(chosen), DialTask.state == "QUEUED")
            .values(
                state="CLAIMED",
                lease_owner=worker,
                lease_expires_at=lease_until,
                fence=DialTask.fence + 1,
            )
            .returning(
                DialTask.id,
                DialTask.fence,
                DialTask.run_id,
                DialTask.phone_number,
                DialTask.time_zone,
                DialTask.attempts_made,
                DialTask.contact_id,
            )
        )
        return [_held(row) for row in await self.session.execute(stmt)]

    async def claimed_by(self, worker: str, account_id: str) -> list[Held]:
        stmt = select(DialTask).where(
            DialTask.lease_owner == worker,
            DialTask.account_id == account_id,
            DialTask.state == "CLAIMED",
        )
        return [_held(row) for row in await self.session.scalars(stmt)]

    async def starts_since(self, account_id: str, since: datetime) -> list[datetime]:
        """Start times of the account's attempts after `since` (the rate window)."""
        stmt = select(Attempt.started_at).where(
            Attempt.account_id == account_id, Attempt.started_at > since
        )
        return sorted(await self.session.scalars(stmt))

    async def blocked(
        self, account_id: str, dnc_list_id: str | None, phones: Sequence[str]
    ) -> set[str]:
        """Which numbers are on the campaign's DNC list or the account's global DNC list now."""
        if not phones:
            return set()
        global_ids = select(ContactList.id).where(
            ContactList.account_id == account_id, ContactList.is_global_dnc.is_(True)
        )
        lists = or_(Contact.list_id.in_(global_ids), Contact.list_id == (dnc_list_id or ""))
        stmt = select(Contact.phone_number).where(lists, Contact.phone_number.in_(list(phones)))
        return set(await self.session.scalars(stmt))

    async def release(
        self, held: Sequence[Held], worker: str, state: str, values: dict[str, Any]
    ) -> None:
        """Hand claimed tasks back (to the queue, to wait, or done) without dialing them."""
        if not held:
            return
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.id.in_([h.task_id for h in held]),
                DialTask.lease_owner == worker,
                DialTask.state == "CLAIMED",
            )
            .values(
                state=state,
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
                **values,
            )
        )

    async def begin_attempts(
        self, held: Sequence[Held], worker: str, now: datetime, lease_until: datetime
    ) -> list[Dial]:
        """Commit-before-dial: move claimed tasks to DIALING and write their attempt rows."""
        stmt = (
            update(DialTask)
            .where(
                DialTask.id.in_([h.task_id for h in held]),
                DialTask.lease_owner == worker,
                DialTask.state == "CLAIMED",
            )
            .values(
                state="DIALING",
                attempts_made=DialTask.attempts_made + 1,
                lease_expires_at=lease_until,
                wait_reason=None,
                updated_at=now,
            )
            .returning(
                DialTask.id,
                DialTask.fence,
                DialTask.run_id,
                DialTask.phone_number,
                DialTask.time_zone,
                DialTask.attempts_made,
                DialTask.contact_id,
                DialTask.campaign_id,
                DialTask.account_id,
                DialTask.stream_id,
            )
        )
        rows = list(await self.session.execute(stmt))
        if not rows:
            return []
        values = [
            {
                "task_id": r.id,
                "run_id": r.run_id,
                "campaign_id": r.campaign_id,
                "account_id": r.account_id,
                "stream_id": r.stream_id,
                "attempt_no": r.attempts_made,
                "phone_number": r.phone_number,
                "time_zone": r.time_zone,
                "state": "DIALING",
                "fence": r.fence,
                "worker": worker,
                "started_at": now,
            }
            for r in rows
        ]
        inserted = await self.session.execute(
            insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), values
        )
        ids = [row.id for row in inserted]
        return [Dial(aid, r.attempts_made, _held(r)) for aid, r in zip(ids, rows, strict=True)]

    async def still_mine(self, dials: Sequence[Dial], worker: str) -> set[int]:
        """The task ids among `dials` this worker still holds with the same fence."""
        stmt = select(DialTask.id, DialTask.fence).where(
            DialTask.id.in_([d.held.task_id for d in dials]),
            DialTask.lease_owner == worker,
            DialTask.state == "DIALING",
        )
        fences = {d.held.task_id: d.held.fence for d in dials}
        return {tid for tid, fence in await self.session.execute(stmt) if fences[tid] == fence}

    async def finish(self, finishes: Sequence[Finish], worker: str) -> None:
        """Record outcomes and move tasks on, each write conditional on the fence."""
        if not finishes:
            return
        attempts = [
            {
                "b_id": f.dial.attempt_id,
                "b_outcome": f.outcome,
                "b_answered": f.answered_at,
                "b_ended": f.ended_at,
                "b_reason": f.reason[:256],
            }
            for f in finishes
        ]
        attempt_table, task_table = (
            Base.metadata.tables["attempts"],
            Base.metadata.tables["dial_tasks"],
        )
        await self.session.execute(
            update(attempt_table)
            .where(attempt_table.c.id == bindparam("b_id"), attempt_table.c.state == "DIALING")
            .values(
                state="DONE",
                outcome=bindparam("b_outcome"),
                answered_at=bindparam("b_answered"),
                ended_at=bindparam("b_ended"),
                reason=bindparam("b_reason"),
            ),
            attempts,
        )
        tasks = [
            {
                "b_id": f.dial.held.task_id,
                "b_fence": f.dial.held.fence,
                "b_state": f.state,
                "b_next": f.next_attempt_at,
                "b_outcome": f.outcome,
                "b_disp": f.disposition,
                "b_wait": "retry" if f.state == "WAITING" else None,
                "b_now": f.ended_at,
            }
            for f in finishes
        ]
        await self.session.execute(
            update(task_table)
            .where(
                task_table.c.id == bindparam("b_id"),
                task_table.c.fence == bindparam("b_fence"),
                task_table.c.state == "DIALING",
                task_table.c.lease_owner == worker,
            )
            .values(
                state=bindparam("b_state"),
                next_attempt_at=bindparam("b_next"),
                last_outcome=bindparam("b_outcome"),
                disposition=bindparam("b_disp"),
                wait_reason=bindparam("b_wait"),
                lease_owner=None,
                lease_expires_at=None,
                fence=task_table.c.fence + 1,
                updated_at=bindparam("b_now"),
            ),
            tasks,
        )

    async def heartbeat(self, worker: str, lease_until: datetime) -> set[int]:
        """Extend this worker's leases; returns the task ids it still holds."""
        stmt = (
            update(DialTask)
            .where(DialTask.lease_owner == worker, DialTask.state.in_(HELD))
            .values(lease_expires_at=lease_until)
            .returning(DialTask.id)
        )
        return set(await self.session.scalars(stmt))

    async def requeue_expired_claims(self, now: datetime) -> int:
        """CLAIMED with an expired lease was never dialed: it simply goes back in the queue."""
        result = await self.session.execute(
            update(DialTask)
            .where(DialTask.state == "CLAIMED", DialTask.lease_expires_at < now)
            .values(
                state="QUEUED", lease_owner=None, lease_expires_at=None, fence=DialTask.fence + 1
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def expired_dials(
        self, now: datetime, limit: int
    ) -> list[tuple[int, int, dict[str, Any]]]:
        """DIALING tasks whose worker vanished: (task id, attempts made, run config)."""
        stmt = (
            select(DialTask.id, DialTask.attempts_made, Run.config)
            .join(Run, Run.id == DialTask.run_id)
            .where(DialTask.state == "DIALING", DialTask.lease_expires_at < now)
            .limit(limit)
            .with_for_update(of=DialTask, skip_locked=True)
        )
        rows = await self.session.execute(stmt)
        return [(row.id, row.attempts_made, dict(row.config)) for row in rows]

    async def mark_unknown(
        self,
        task_id: int,
        attempt_no: int,
        now: datetime,
        state: str,
        next_at: datetime,
        disposition: str | None,
    ) -> bool:
        """Record an attempt whose outcome nobody knows; the task waits or ends, never redials
        at once."""
        moved = await self.session.execute(
            update(DialTask)
            .where(
                DialTask.id == task_id, DialTask.state == "DIALING", DialTask.lease_expires_at < now
            )
            .values(
                state=state,
                next_attempt_at=next_at,
                last_outcome="unknown",
                disposition=disposition,
                wait_reason="retry" if state == "WAITING" else None,
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
                updated_at=now,
            )
        )
        if not getattr(moved, "rowcount", 0):
            return False
        await self.session.execute(
            update(Attempt)
            .where(
                Attempt.task_id == task_id,
                Attempt.attempt_no == attempt_no,
                Attempt.state == "DIALING",
            )
            .values(
                state="UNKNOWN",
                outcome="unknown",
                reason="worker lost its lease during the call: outcome unknown",
            )
        )
        return True

    async def unfinished(self, run_id: str) -> bool:
        stmt = select(DialTask.id).where(DialTask.run_id == run_id, DialTask.state.in_(LIVE))
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def complete(self, run_id: str, campaign_id: str, now: datetime) -> bool:
        """Active -> Completed for a run with nothing left to do, and its campaign with it."""
        done = await self.session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == "Active")
            .values(status="Completed", ended_at=now, updated_at=now)
        )
        if not getattr(done, "rowcount", 0):
            return False
        await self.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.current_run_id == run_id)
            .values(status="Completed", run_updated_at=now)
        )
        return True

    async def next_due(self, run_ids: Sequence[str]) -> datetime | None:
        stmt = select(func.min(DialTask.next_attempt_at)).where(
            DialTask.run_id.in_(run_ids), DialTask.state == "WAITING"
        )
        value: datetime | None = await self.session.scalar(stmt)
        return value

    async def contacts(self, contact_ids: Sequence[int]) -> dict[int, Contact]:
        if not contact_ids:
            return {}
        rows = await self.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
        return {c.id: c for c in rows}
