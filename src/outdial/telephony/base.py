"""The one interface the dialer needs from a phone network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Outcome(StrEnum):
    """How a call attempt ended, as the engine records it."""

    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    INVALID = "invalid"
    MACHINE = "machine"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CallRequest:
    """One attempt to place: everything a backend needs, nothing it must look up.

    The routing keys are typed fields (the account picks the trunk, the attempt number seeds
    the simulated carrier); `context` is what travels with the call to the flow: the
    contact's fields and the run's identifiers, as Kore hands them to an experience flow."""

    attempt_id: str
    to: str
    caller_id: str
    ring_timeout_s: float
    flow_id: str | None
    machine_detect: str
    context: dict[str, Any] = field(default_factory=dict)
    account_id: str = field(default="", kw_only=True)
    campaign_id: str = field(default="", kw_only=True)
    run_id: str = field(default="", kw_only=True)
    attempt_no: int = field(default=1, kw_only=True)


@dataclass(frozen=True)
class CallResult:
    """What happened, with the times the far end saw."""

    outcome: Outcome
    started_at: datetime
    ended_at: datetime
    answered_at: datetime | None = None
    reason: str = ""
    handed_to: str | None = None


class Telephony(Protocol):
    """A phone network: place a call and report how it ended (never raises for call
    failures; those are outcomes)."""

    async def place_call(self, request: CallRequest) -> CallResult: ...

    async def close(self) -> None: ...
