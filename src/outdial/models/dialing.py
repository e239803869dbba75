"""Runs (campaign instances), the dial tasks of a run, and call attempts.

The engine's at-most-once protocol lives in these rows: a task is QUEUED (due, in an open
zone), WAITING (for a retry or its window), CLAIMED (leased by a worker, not yet dialed),
DIALING (an attempt row was committed and the call may be in progress) or DONE. Every change
a worker makes is conditional on the task's `fence`, which increments whenever the task
changes hands, so a worker that lost its lease cannot write.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    TextClause,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from outdial.models.base import Base, BigId


class Run(Base):
    """One execution of a campaign (Kore's campaign instance, `cid-...`).

    `config` is the campaign's dialing configuration as of the start (or the last resume), so
    editing a paused campaign changes what the run does only when it resumes. `zones` lists
    the time zones its tasks use, so windows are computed per zone, never per contact.
    """

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_status", "status"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]]
    zones: Mapped[list[Any]]
    total_tasks: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class RunStatus(StrEnum):
    """A run's life: Active until stopped or done; Paused keeps it and dials nothing new."""

    ACTIVE = "Active"
    PAUSED = "Paused"
    STOPPED = "Stopped"
    COMPLETED = "Completed"


class TaskState(StrEnum):
    """Where a dial task stands (the values stored in `dial_tasks.state`)."""

    QUEUED = "QUEUED"
    WAITING = "WAITING"
    CLAIMED = "CLAIMED"
    DIALING = "DIALING"
    DONE = "DONE"


class WaitReason(StrEnum):
    """Why a WAITING task waits (`dial_tasks.wait_reason`)."""

    WINDOW = "window"
    RETRY = "retry"
    CALLBACK = "callback"


class AttemptState(StrEnum):
    """`attempts.state`: DIALING until the outcome is written; UNKNOWN when nobody knows it."""

    DIALING = "DIALING"
    DONE = "DONE"
    UNKNOWN = "UNKNOWN"


class Disposition(StrEnum):
    """A record's final disposition (`dial_tasks.disposition`), in Kore's vocabulary plus
    the dialer's own."""

    CONNECTED = "Connected"
    BUSY = "Busy"
    NO_ANSWER = "No Answer"
    FAILED = "Failed"
    ANSWERING_MACHINE = "Answering Machine"
    DNC_EXCLUDED = "DNC Excluded"
    RETRY_CANCELLED = "Retry Cancelled"
    NOT_DIALED = "Not Dialed"


DNC_OUTCOME = "dnc"  # `last_outcome` of a record a DNC list excluded: it was never dialed
HELD = (TaskState.CLAIMED, TaskState.DIALING)
LIVE = (TaskState.QUEUED, TaskState.WAITING, TaskState.CLAIMED, TaskState.DIALING)


def in_state(*states: TaskState) -> TextClause:
    """`dial_tasks.state` compared with literal values. Every index on dial_tasks is partial
    (a task sits only in the indexes of its current state, so a state change touches few of
    them), and SQLite and PostgreSQL use a partial index only when the query carries its
    condition as literals, not as bound parameters."""
    if len(states) == 1:
        return text(f"dial_tasks.state = '{states[0].value}'")
    return text(f"dial_tasks.state IN ({', '.join(repr(s.value) for s in states)})")


def _partial(name: str, columns: tuple[str, ...], *states: TaskState) -> Index:
    condition = in_state(*states).text.removeprefix("dial_tasks.")
    return Index(name, *columns, sqlite_where=text(condition), postgresql_where=text(condition))


class DialTask(Base):
    """One contact of one run: its place in the dialing order and where it stands."""

    __tablename__ = "dial_tasks"
    __table_args__ = (
        _partial("ix_dial_tasks_queue", ("run_id", "rank", "seq"), TaskState.QUEUED),
        _partial("ix_dial_tasks_queue_zone", ("run_id", "time_zone"), TaskState.QUEUED),
        _partial("ix_dial_tasks_waiting", ("run_id", "next_attempt_at"), TaskState.WAITING),
        _partial("ix_dial_tasks_held", ("account_id", "run_id"), *HELD),
        _partial("ix_dial_tasks_held_lease", ("lease_expires_at",), *HELD),
        _partial("ix_dial_tasks_held_owner", ("lease_owner",), *HELD),
        _partial("ix_dial_tasks_live", ("run_id",), *LIVE),
        Index("ix_dial_tasks_run_seq", "run_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    campaign_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(BigId)
    phone_number: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64))
    # True when the zone is the campaign's fallback (so a resumed run follows an edit of it)
    zone_from_campaign: Mapped[bool] = mapped_column(Boolean)
    # dialing order: lowest rank first (minus the contact's priority), then seq (list order)
    rank: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(8))
    attempts_made: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    wait_reason: Mapped[str | None] = mapped_column(String(8))
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    lease_expires_at: Mapped[datetime | None]
    fence: Mapped[int] = mapped_column(Integer, default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(32))
    callback_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Attempt(Base):
    """One call attempt, committed in DIALING before the network is asked to call."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("task_id", "attempt_no"),
        Index("ix_attempts_pacing", "account_id", "started_at"),
        Index("ix_attempts_run", "run_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("dial_tasks.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    attempt_no: Mapped[int] = mapped_column(Integer)
    phone_number: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8))
    fence: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(96))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(256))
