"""What an attempt's outcome means for its record: retry later, or a final disposition.

Busy, no answer, failed and unknown outcomes are retried `defaultRetryPeriod` minutes after the
attempt ended, up to `maxAttemptsPerRecord` attempts in all; invalid numbers, answered calls
and answering machines are final. Dispositions use Kore's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outdial.models.dialing import Disposition, TaskState
from outdial.telephony.base import Outcome

RETRYABLE = frozenset({Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED, Outcome.UNKNOWN})
DISPOSITIONS = {
    Outcome.ANSWERED: Disposition.CONNECTED,
    Outcome.BUSY: Disposition.BUSY,
    Outcome.NO_ANSWER: Disposition.NO_ANSWER,
    Outcome.FAILED: Disposition.FAILED,
    Outcome.INVALID: Disposition.FAILED,
    Outcome.MACHINE: Disposition.ANSWERING_MACHINE,
    Outcome.UNKNOWN: Disposition.FAILED,
}


@dataclass(frozen=True)
class NextStep:
    """The task's state after an attempt: WAITING until `next_attempt_at`, or DONE."""

    state: TaskState
    next_attempt_at: datetime
    disposition: Disposition | None


def after_attempt(
    outcome: Outcome, attempts_made: int, max_attempts: int, retry_minutes: int, ended: datetime
) -> NextStep:
    """Retry a retryable outcome after the retry period while attempts remain; else final."""
    if outcome in RETRYABLE and attempts_made < max_attempts:
        return NextStep(TaskState.WAITING, ended + timedelta(minutes=retry_minutes), None)
    return NextStep(TaskState.DONE, ended, DISPOSITIONS[outcome])
