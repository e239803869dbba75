"""What an attempt's outcome means for its record: retry later, or a final disposition.

Busy, no answer, failed and unknown outcomes are retried `defaultRetryPeriod` minutes after the
attempt ended, up to `maxAttemptsPerRecord` attempts in all; invalid numbers, answered calls
and answering machines are final. Dispositions use Kore's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outdial.telephony.base import Outcome

RETRYABLE = frozenset({Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED, Outcome.UNKNOWN})
DISPOSITIONS = {
    Outcome.ANSWERED: "Connected",
    Outcome.BUSY: "Busy",
    Outcome.NO_ANSWER: "No Answer",
    Outcome.FAILED: "Failed",
    Outcome.INVALID: "Failed",
    Outcome.MACHINE: "Answering Machine",
    Outcome.UNKNOWN: "Failed",
}
DNC_EXCLUDED = "DNC Excluded"
RETRY_CANCELLED = "Retry Cancelled"
NOT_DIALED = "Not Dialed"


@dataclass(frozen=True)
class NextStep:
    """The task's state after an attempt: WAITING until `next_attempt_at`, or DONE."""

    state: str
    next_attempt_at: datetime
    disposition: str | None


def after_attempt(
    outcome: Outcome, attempts_made: int, max_attempts: int, retry_minutes: int, ended: datetime
) -> NextStep:
    """Retry a retryable outcome after the retry period while attempts remain; else final."""
    if outcome in RETRYABLE and attempts_made < max_attempts:
        return NextStep("WAITING", ended + timedelta(minutes=retry_minutes), None)
    return NextStep("DONE", ended, DISPOSITIONS[outcome])
