"""The suite's one way to wait: poll for a state, fail after a generous deadline.

Tests never assert on how long something took (speed is measured in bench/); they wait for
what must become true and fail, with what they last saw, only when it never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
TIMEOUT_S = 60.0


def wait_for(check: Callable[[], T | None], what: str, timeout: float = TIMEOUT_S) -> T:
    """Poll `check` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last: {value!r})")
        time.sleep(0.05)


def engine_passes(app: Any) -> int:
    """How many passes the app's own dialer has finished."""
    return int(app.state.dialer.passes)


def wait_passes(app: Any, count: int = 3) -> None:
    """Wait until the app's dialer has run `count` more passes: what it would do about the
    state the test just made, it has done. An assertion that nothing happened is only
    meaningful after this (a fixed sleep would pass just because the dialer had not run)."""
    target = engine_passes(app) + count
    wake = app.state.wake_dialer

    def done() -> bool:
        wake()
        return engine_passes(app) >= target

    wait_for(done, f"{count} passes of the dialer")
