"""How a SIP final response becomes an attempt outcome (the README's table).

2xx answered; 486/600 busy; 408/480, and the 487 that answers our own CANCEL, no answer;
404/484/604 invalid number (final: never retried); 403, 503, every other final response and
every transport failure failed (retried). A 487 outdial did not ask for is a failure too.
"""

from __future__ import annotations

from outdial.telephony.base import Outcome

BUSY = frozenset({486, 600})
NO_ANSWER = frozenset({408, 480})
INVALID = frozenset({404, 484, 604})


def outcome_for(status: int, cancelled: bool) -> Outcome:
    """The outcome of an INVITE that ended with `status`; `cancelled`: we sent CANCEL."""
    if 200 <= status < 300:
        return Outcome.ANSWERED
    if status in BUSY:
        return Outcome.BUSY
    if status in NO_ANSWER or (status == 487 and cancelled):
        return Outcome.NO_ANSWER
    if status in INVALID:
        return Outcome.INVALID
    return Outcome.FAILED


def timeout_outcome(cancelled: bool) -> Outcome:
    """No final response at all: after our CANCEL the callee simply never answered;
    otherwise the trunk is unreachable."""
    return Outcome.NO_ANSWER if cancelled else Outcome.FAILED


def describe(status: int, reason: str) -> str:
    """`486 Busy Here`, bounded for the attempt's reason column."""
    return f"{status} {reason}".strip()[:120]
