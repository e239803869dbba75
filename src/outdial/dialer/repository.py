"""Every SQL statement the engine runs.

The functions are synchronous: the engine runs each transaction as one call in a worker
thread (one hand-off per transaction instead of several per statement). Statements that
change a task are conditional on who holds it (`lease_owner`, `fence`,
`state`), so two workers can never both act on one task, and a worker whose lease expired
cannot write over the recovery that followed. Callers own the transactions; on PostgreSQL the
claim and pre-dial steps lock the account row, which serialises them per account across
workers (on SQLite every write transaction is already exclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Insert,
    Select,
    Update,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)

from outdial.dialer.config import RunConfig
from outdial.kit import ids
from outdial.models import Account, Attempt, Base, Campaign, Contact, ContactList, DialTask, Run
from outdial.models.dialing import (
    HELD,
    LIVE,
    AttemptState,
    Disposition,
    RunStatus,
    TaskState,
    WaitReason,
    in_state,
)
from outdial.telephony.base import Outcome


@dataclass(frozen=True)
class ActiveRun:
    """A run the engine works on, with its account's limits."""

    id: str
    campaign_id: str
    account_id: str
    config: RunConfig
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

    attempt_no: int
    held: Held

    @property
    def attempt_id(self) -> str:
        return ids.attempt_id(self.held.task_id, self.attempt_no)


@dataclass(frozen=True)
class Finish:
    """How to close one attempt and move its task on."""

    dial: Dial
    outcome: str
    answered_at: datetime | None
    ended_at: datetime
    reason: str
    state: TaskState
    next_attempt_at: datetime
    disposition: Disposition | None


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


T = Base.metadata.tables["dial_tasks"]
A = Base.metadata.tables["attempts"]
HELD_COLUMNS = (
    T.c.id,
    T.c.fence,
    T.c.run_id,
    T.c.phone_number,
    T.c.time_zone,
    T.c.attempts_made,
    T.c.contact_id,
)


def _ids(name: str = "ids") -> BindParameter[Any]:
    return bindparam(name, expanding=True)


AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Statements:
    """The statements of every pass, built once (`statements()`): constructing and keying
    SQLAlchemy statements costs more than running them on SQLite. Named attributes, so a
    typo is a type error rather than a KeyError in a running dialer."""

    runs: AnySelect
    statuses: AnySelect
    promote: Update
    held: AnySelect
    count_starts: AnySelect
    starts: AnySelect
    pick: AnySelect
    claim: Update
    begin: Update
    attempt: Insert
    finish_attempt: Update
    finish_task: Update
    contacts: AnySelect
    global_dnc: AnySelect
    blocked: AnySelect
    heartbeat: Update


def _claimed_by() -> tuple[Any, ...]:
    """Tasks this worker holds in CLAIMED (the conditions every hand-over repeats)."""
    return (
        T.c.id.in_(_ids()),
        T.c.lease_owner == bindparam("worker"),
        in_state(*HELD),
        in_state(TaskState.CLAIMED),
    )


def _runs() -> AnySelect:
    columns = (Run.id, Run.campaign_id, Run.account_id, Run.config, Run.zones)
    return (
        select(*columns, Account.lines, Account.cps)
        .join(Account, Account.id == Run.account_id)
        .where(Run.status.in_(_ids("statuses")))
        .order_by(Run.started_at)
    )


def _promote() -> Update:
    due = (T.c.run_id.in_(_ids()), T.c.next_attempt_at <= bindparam("now"))
    return (
        update(T)
        .where(*due, in_state(TaskState.WAITING))
        .values(state=TaskState.QUEUED, wait_reason=None)
    )


def _starts() -> tuple[AnySelect, AnySelect]:
    """(how many, which) attempts of an account started after `since`: its rate window."""
    since = (A.c.account_id == bindparam("account"), A.c.started_at > bindparam("since"))
    return select(func.count()).select_from(A).where(*since), select(A.c.started_at).where(*since)


def _pick() -> AnySelect:
    queued = (T.c.run_id == bindparam("run"), T.c.time_zone.in_(_ids("zones")))
    return (
        select(T.c.id)
        .where(*queued, in_state(TaskState.QUEUED))
        .order_by(T.c.rank, T.c.seq)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


def _claim() -> Update:
    lease: dict[str, Any] = {
        "lease_owner": bindparam("worker"),
        "lease_expires_at": bindparam("lease"),
    }
    return (
        update(T)
        .where(T.c.id.in_(_ids()), in_state(TaskState.QUEUED))
        .values(state=TaskState.CLAIMED, fence=T.c.fence + 1, **lease)
        .returning(*HELD_COLUMNS)
    )


def _begin() -> Update:
    return (
        update(T)
        .where(*_claimed_by())
        .values(
            state=TaskState.DIALING,
            attempts_made=T.c.attempts_made + 1,
            lease_expires_at=bindparam("lease"),
            wait_reason=None,
            updated_at=bindparam("now"),
        )
        .returning(*HELD_COLUMNS, T.c.campaign_id, T.c.account_id, T.c.stream_id)
    )


def _finish_attempt() -> Update:
    this = (A.c.task_id == bindparam("b_task"), A.c.attempt_no == bindparam("b_no"))
    return (
        update(A)
        .where(*this, A.c.state == AttemptState.DIALING)
        .values(
            state=AttemptState.DONE,
            outcome=bindparam("b_outcome"),
            answered_at=bindparam("b_answered"),
            ended_at=bindparam("b_ended"),
            reason=bindparam("b_reason"),
        )
    )


def _finish_task() -> Update:
    mine = (T.c.id == bindparam("b_id"), T.c.fence == bindparam("b_fence"))
    return (
        update(T)
        .where(*mine, T.c.state == TaskState.DIALING, T.c.lease_owner == bindparam("b_worker"))
        .values(
            state=bindparam("b_state"),
            next_attempt_at=bindparam("b_next"),
            last_outcome=bindparam("b_outcome"),
            disposition=bindparam("b_disp"),
            wait_reason=bindparam("b_wait"),
            lease_owner=None,
            lease_expires_at=None,
            fence=T.c.fence + 1,
            updated_at=bindparam("b_now"),
        )
    )


@cache
def statements() -> Statements:
    """Every statement of the engine, built on first use."""
    count_starts, starts = _starts()
    fields = (Contact.id, Contact.first_name, Contact.last_name, Contact.unique_id)
    return Statements(
        runs=_runs(),
        statuses=select(Run.id, Run.status).where(Run.id.in_(_ids())),
        promote=_promote(),
        held=select(T.c.run_id, func.count())
        .where(T.c.account_id == bindparam("account"), in_state(*HELD))
        .group_by(T.c.run_id),
        count_starts=count_starts,
        starts=starts,
        pick=_pick(),
        claim=_claim(),
        begin=_begin(),
        attempt=insert(A),
        finish_attempt=_finish_attempt(),
        finish_task=_finish_task(),
        contacts=select(*fields, Contact.custom).where(Contact.id.in_(_ids())),
        global_dnc=select(ContactList.id).where(
            ContactList.account_id == bindparam("account"), ContactList.is_global_dnc.is_(True)
        ),
        # explicit list ids: each (list, number) pair is one seek in ix_contacts_list_phone
        blocked=select(Contact.phone_number).where(
            Contact.list_id.in_(_ids("lists")), Contact.phone_number.in_(_ids("phones"))
        ),
        heartbeat=update(T)
        .where(T.c.lease_owner == bindparam("worker"), in_state(*HELD))
        .values(lease_expires_at=bindparam("lease"))
        .returning(T.c.id),
    )


class EngineRepository:
    """The engine's SQL, on the caller's connection and transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sql = statements()

    def runs(self, statuses: Sequence[RunStatus] = (RunStatus.ACTIVE,)) -> list[ActiveRun]:
        rows = self.conn.execute(self.sql.runs, {"statuses": list(statuses)})
        return [
            ActiveRun(
                r.id,
                r.campaign_id,
                r.account_id,
                RunConfig.from_json(r.config),
                tuple(r.zones),
                r.lines,
                r.cps,
            )
            for r in rows
        ]

    def run_statuses(self, run_ids: Iterable[str]) -> dict[str, str]:
        wanted = list(set(run_ids))
        if not wanted:
            return {}
        rows = self.conn.execute(self.sql.statuses, {"ids": wanted})
        return {str(row.id): str(row.status) for row in rows}

    def promote(self, run_ids: Sequence[str], now: datetime) -> int:
        """Tasks whose retry time or window opening has come are queued again."""
        result = self.conn.execute(self.sql.promote, {"ids": list(run_ids), "now": now})
        return int(getattr(result, "rowcount", 0) or 0)

    def defer_zone(self, run_id: str, zone: str, until: datetime, now: datetime) -> None:
        """Queued tasks of a zone whose window is closed wait for it to open."""
        self.conn.execute(
            update(DialTask)
            .where(
                DialTask.run_id == run_id, in_state(TaskState.QUEUED), DialTask.time_zone == zone
            )
            .values(
                state=TaskState.WAITING,
                next_attempt_at=until,
                wait_reason=WaitReason.WINDOW,
                updated_at=now,
            )
        )

    def lock_account(self, account_id: str) -> None:
        """Serialise claims per account across workers (SQLite transactions are exclusive
        already, so this is a PostgreSQL row lock only)."""
        if self.conn.dialect.name == "postgresql":
            stmt = select(Account.id).where(Account.id == account_id).with_for_update()
            self.conn.execute(stmt)

    def held_by_run(self, account_id: str) -> dict[str, int]:
        """Calls in progress (claimed or dialing) per run of an account: its busy lines."""
        rows = self.conn.execute(self.sql.held, {"account": account_id})
        return {str(row[0]): int(row[1]) for row in rows}

    def queued(self, run_id: str, cap: int) -> int:
        """How many tasks are ready (queued ones are in open zones), counted up to `cap`."""
        inner = (
            select(DialTask.id)
            .where(DialTask.run_id == run_id, in_state(TaskState.QUEUED))
            .limit(cap)
            .subquery()
        )
        return int(self.conn.scalar(select(func.count()).select_from(inner)) or 0)

    def claim(
        self, run_id: str, zones: Sequence[str], limit: int, worker: str, lease_until: datetime
    ) -> list[Held]:
        """Lease the next `limit` queued tasks in dialing order (priority, then list order)."""
        pick = {"run": run_id, "zones": list(zones), "limit": limit}
        chosen: list[int] = list(self.conn.scalars(self.sql.pick, pick))
        if not chosen:
            return []
        params = {"ids": chosen, "worker": worker, "lease": lease_until}
        return [_held(row) for row in self.conn.execute(self.sql.claim, params)]

    def count_starts_since(self, account_id: str, since: datetime) -> int:
        params = {"account": account_id, "since": since}
        return int(self.conn.scalar(self.sql.count_starts, params) or 0)

    def starts_since(self, account_id: str, since: datetime) -> list[datetime]:
        """Start times of the account's attempts after `since` (the rate window)."""
        params = {"account": account_id, "since": since}
        return sorted(self.conn.scalars(self.sql.starts, params))

    def blocked(self, account_id: str, dnc_list_id: str | None, phones: Sequence[str]) -> set[str]:
        """Which numbers are on the campaign's DNC list or the account's global DNC list now."""
        if not phones:
            return set()
        lists = list(self.conn.scalars(self.sql.global_dnc, {"account": account_id}))
        lists += [dnc_list_id] if dnc_list_id else []
        params = {"lists": lists, "phones": list(phones)}
        return set(self.conn.scalars(self.sql.blocked, params))

    def release(
        self, held: Sequence[Held], worker: str, state: TaskState, values: dict[str, Any]
    ) -> None:
        """Hand claimed tasks back (to the queue, to wait, or done) without dialing them."""
        if not held:
            return
        self.conn.execute(
            update(DialTask)
            .where(
                DialTask.id.in_([h.task_id for h in held]),
                DialTask.lease_owner == worker,
                in_state(*HELD),
                in_state(TaskState.CLAIMED),
            )
            .values(
                state=state,
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
                **values,
            )
        )

    def begin_attempts(
        self, held: Sequence[Held], worker: str, now: datetime, lease_until: datetime
    ) -> list[Dial]:
        """Commit-before-dial: move claimed tasks to DIALING and write their attempt rows."""
        params = {
            "ids": [h.task_id for h in held],
            "worker": worker,
            "lease": lease_until,
            "now": now,
        }
        rows = list(self.conn.execute(self.sql.begin, params))
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
                "state": AttemptState.DIALING,
                "fence": r.fence,
                "worker": worker,
                "started_at": now,
            }
            for r in rows
        ]
        self.conn.execute(self.sql.attempt, values)
        return [Dial(r.attempts_made, _held(r)) for r in rows]

    def finish(self, finishes: Sequence[Finish], worker: str) -> None:
        """Record outcomes and move tasks on, each write conditional on the fence."""
        if not finishes:
            return
        attempts = [
            {
                "b_task": f.dial.held.task_id,
                "b_no": f.dial.attempt_no,
                "b_outcome": f.outcome,
                "b_answered": f.answered_at,
                "b_ended": f.ended_at,
                "b_reason": f.reason[:256],
            }
            for f in finishes
        ]
        self.conn.execute(self.sql.finish_attempt, attempts)
        tasks = [
            {
                "b_id": f.dial.held.task_id,
                "b_fence": f.dial.held.fence,
                "b_state": f.state,
                "b_next": f.next_attempt_at,
                "b_outcome": f.outcome,
                "b_disp": f.disposition,
                "b_wait": WaitReason.RETRY if f.state == TaskState.WAITING else None,
                "b_now": f.ended_at,
                "b_worker": worker,
            }
            for f in finishes
        ]
        self.conn.execute(self.sql.finish_task, tasks)

    def heartbeat(self, worker: str, lease_until: datetime) -> set[int]:
        """Extend this worker's leases; returns the task ids it still holds."""
        params = {"worker": worker, "lease": lease_until}
        return set(self.conn.scalars(self.sql.heartbeat, params))

    def requeue_expired_claims(self, now: datetime) -> int:
        """CLAIMED with an expired lease was never dialed: it simply goes back in the queue."""
        result = self.conn.execute(
            update(DialTask)
            .where(in_state(*HELD), in_state(TaskState.CLAIMED), DialTask.lease_expires_at < now)
            .values(
                state=TaskState.QUEUED,
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def expired_dials(self, now: datetime, limit: int) -> list[tuple[int, int, RunConfig]]:
        """DIALING tasks whose worker vanished: (task id, attempts made, run config)."""
        stmt = (
            select(DialTask.id, DialTask.attempts_made, Run.config)
            .join(Run, Run.id == DialTask.run_id)
            .where(in_state(*HELD), in_state(TaskState.DIALING), DialTask.lease_expires_at < now)
            .limit(limit)
            .with_for_update(of=DialTask, skip_locked=True)
        )
        rows = self.conn.execute(stmt)
        return [(row.id, row.attempts_made, RunConfig.from_json(row.config)) for row in rows]

    def mark_unknown(
        self,
        task_id: int,
        attempt_no: int,
        now: datetime,
        state: TaskState,
        next_at: datetime,
        disposition: Disposition | None,
    ) -> bool:
        """Record an attempt whose outcome nobody knows; the task waits or ends, never redials
        at once."""
        moved = self.conn.execute(
            update(DialTask)
            .where(
                DialTask.id == task_id,
                in_state(*HELD),
                in_state(TaskState.DIALING),
                DialTask.lease_expires_at < now,
            )
            .values(
                state=state,
                next_attempt_at=next_at,
                last_outcome=Outcome.UNKNOWN,
                disposition=disposition,
                wait_reason=WaitReason.RETRY if state == TaskState.WAITING else None,
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
                updated_at=now,
            )
        )
        if not getattr(moved, "rowcount", 0):
            return False
        self.conn.execute(
            update(Attempt)
            .where(
                Attempt.task_id == task_id,
                Attempt.attempt_no == attempt_no,
                Attempt.state == AttemptState.DIALING,
            )
            .values(
                state=AttemptState.UNKNOWN,
                outcome=Outcome.UNKNOWN,
                reason="worker lost its lease during the call: outcome unknown",
            )
        )
        return True

    def unfinished(self, run_id: str) -> bool:
        stmt = select(DialTask.id).where(DialTask.run_id == run_id, in_state(*LIVE))
        return (self.conn.scalar(stmt.limit(1))) is not None

    def complete(self, run_id: str, campaign_id: str, now: datetime) -> bool:
        """Active -> Completed for a run with nothing left to do, and its campaign with it."""
        done = self.conn.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.ACTIVE)
            .values(status=RunStatus.COMPLETED, ended_at=now, updated_at=now)
        )
        if not getattr(done, "rowcount", 0):
            return False
        more = Campaign.scheduling_enabled.is_(True) & Campaign.next_run_at.is_not(None)
        self.conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.current_run_id == run_id)
            .values(status=case((more, "Scheduled"), else_="Completed"), run_updated_at=now)
        )
        return True

    def next_due(self, run_ids: Sequence[str]) -> datetime | None:
        stmt = select(func.min(DialTask.next_attempt_at)).where(
            DialTask.run_id.in_(run_ids), in_state(TaskState.WAITING)
        )
        value: datetime | None = self.conn.scalar(stmt)
        return value

    def contacts(self, contact_ids: Sequence[int]) -> dict[int, Any]:
        """The fields that travel with each call to the flow, by contact id."""
        if not contact_ids:
            return {}
        rows = self.conn.execute(self.sql.contacts, {"ids": list(contact_ids)})
        return {row.id: row for row in rows}
