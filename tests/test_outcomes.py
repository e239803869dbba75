"""Retry rules: a record's attempts, retry times and final disposition over random histories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outdial.dialer.outcomes import DISPOSITIONS, RETRYABLE, after_attempt
from outdial.telephony.base import Outcome

PROPERTY = settings(max_examples=300, deadline=None)
KORE_DISPOSITIONS = {"Connected", "Busy", "No Answer", "Failed", "Answering Machine"}
FINAL = {Outcome.ANSWERED, Outcome.MACHINE, Outcome.INVALID}
RETRIED = {Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED, Outcome.UNKNOWN}

outcomes = st.sampled_from(list(Outcome))
max_attempts = st.integers(1, 100)
retry_minutes = st.integers(1, 1440)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
call_lengths = st.integers(0, 3600)  # seconds from dialing to the end of the attempt
lateness = st.integers(0, 7 * 24 * 3600)  # the dialer may come back later, never sooner


def test_retryable_and_final_outcomes_partition_all_outcomes() -> None:
    assert set(RETRYABLE) == RETRIED
    assert set(Outcome) == RETRIED | FINAL
    assert not RETRIED & FINAL


def test_dispositions_use_kores_vocabulary() -> None:
    assert set(DISPOSITIONS) == set(Outcome)
    assert set(DISPOSITIONS.values()) == KORE_DISPOSITIONS
    assert DISPOSITIONS == {
        Outcome.ANSWERED: "Connected",
        Outcome.BUSY: "Busy",
        Outcome.NO_ANSWER: "No Answer",
        Outcome.FAILED: "Failed",
        Outcome.INVALID: "Failed",
        Outcome.MACHINE: "Answering Machine",
        Outcome.UNKNOWN: "Failed",
    }


@PROPERTY
@given(
    st.lists(st.tuples(outcomes, call_lengths, lateness), min_size=1, max_size=110),
    max_attempts,
    retry_minutes,
    instants,
)
def test_a_record_through_random_outcomes(
    history: list[tuple[Outcome, int, int]], maximum: int, minutes: int, first_dial: datetime
) -> None:
    """Dial, end, ask after_attempt, wait (at least) until it says, dial again, ..."""
    retry = timedelta(minutes=minutes)
    dial_at, attempts, step = first_dial, 0, None
    for outcome, length_s, late_s in history:
        attempts += 1
        assert attempts <= maximum, "dialed beyond maxAttempts"
        ended = dial_at + timedelta(seconds=length_s)
        step = after_attempt(outcome, attempts, maximum, minutes, ended)
        if outcome in FINAL:
            assert (step.state, step.disposition) == ("DONE", DISPOSITIONS[outcome])
            break
        if attempts == maximum:
            assert (step.state, step.disposition) == ("DONE", DISPOSITIONS[outcome])
            break
        assert step.state == "WAITING"
        assert step.disposition is None
        assert step.next_attempt_at == ended + retry
        assert step.next_attempt_at - ended >= retry > timedelta(0)
        dial_at = step.next_attempt_at + timedelta(seconds=late_s)
    assert step is not None
    if step.state == "DONE":
        assert step.next_attempt_at == ended
        assert step.disposition in KORE_DISPOSITIONS
    assert attempts <= maximum


@PROPERTY
@given(st.randoms(use_true_random=False), max_attempts)
def test_only_retryable_outcomes_use_up_exactly_max_attempts(
    rnd: random.Random, maximum: int
) -> None:
    ended = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    history = [rnd.choice(sorted(RETRIED)) for _ in range(100)]
    for attempts, outcome in enumerate(history, start=1):
        step = after_attempt(outcome, attempts, maximum, 30, ended)
        if step.state == "DONE":
            assert attempts == maximum
            assert step.disposition == DISPOSITIONS[outcome]  # the last outcome's
            return
        ended = step.next_attempt_at + timedelta(seconds=45)
    pytest.fail("never finished")  # pragma: no cover


@PROPERTY
@given(outcomes, st.integers(1, 200), max_attempts, retry_minutes, instants)
def test_after_attempt_pointwise(
    outcome: Outcome, made: int, maximum: int, minutes: int, ended: datetime
) -> None:
    step = after_attempt(outcome, made, maximum, minutes, ended)
    if outcome in RETRIED and made < maximum:
        assert step.state == "WAITING"
        assert step.next_attempt_at == ended + timedelta(minutes=minutes)
        assert step.disposition is None
    else:  # final outcome, or attempts used up (or already beyond a lowered maximum)
        assert step.state == "DONE"
        assert step.next_attempt_at == ended
        assert step.disposition == DISPOSITIONS[outcome]


@pytest.mark.parametrize("outcome", sorted(FINAL))
def test_final_outcomes_stop_on_the_first_attempt(outcome: Outcome) -> None:
    ended = datetime(2026, 1, 1, tzinfo=UTC)
    assert after_attempt(outcome, 1, 100, 60, ended).state == "DONE"


def test_retry_across_a_dst_change_is_elapsed_time() -> None:
    """Retry minutes are real minutes: 60 minutes after 01:30 EDT on fall-back night is
    01:30 EST (UTC +1 h), not the same wall reading."""
    ended = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    step = after_attempt(Outcome.BUSY, 1, 3, 60, ended)
    assert step.next_attempt_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
