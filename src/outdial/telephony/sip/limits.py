"""A trunk's limits, enforced at the transport: concurrent calls and calls per second.

The engine already paces each account; these limits protect the trunk itself when several
accounts or campaigns share it. Calls per second is a sliding window, like the engine's: at
most `floor(cps)` INVITEs leave in any one second (below 1 cps, one per `1/cps` seconds),
even at a window's edge. The window records the moment each INVITE was handed to the
transport (the same timestamp the endpoint's observers see), and the next call waits until
that INVITE has left, so the limit holds on the wire exactly. Waiters go in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Callable

Stamp = Callable[[float], None]


class RateLimit:
    """At most `limit` INVITEs in any `window` seconds (loop time)."""

    def __init__(self, cps: float) -> None:
        if cps <= 0:
            raise ValueError("cps must be positive")
        self.window, self.limit = (1.0, math.floor(cps)) if cps >= 1 else (1.0 / cps, 1)
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def _room(self, loop: asyncio.AbstractEventLoop) -> None:
        """Return once one more start fits in the window ending now."""
        while True:
            now = loop.time()
            while self._starts and now - self._starts[0] >= self.window:
                self._starts.popleft()
            if len(self._starts) < self.limit:
                return
            await asyncio.sleep(self._starts[0] + self.window - now)

    @contextlib.asynccontextmanager
    async def start(self) -> AsyncIterator[Stamp]:
        """The block sends one INVITE and reports when through the stamp it is given; no
        other start happens until the block ends."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            await self._room(loop)
            sent: list[float] = []
            try:
                yield sent.append
            finally:
                self._starts.append(sent[0] if sent else loop.time())


class CallLimiter:
    """Concurrent calls and calls per second of one trunk."""

    def __init__(self, cps: float, max_calls: int) -> None:
        self.cps = cps
        self.max_calls = max_calls
        self.rate = RateLimit(cps)
        self._slots = asyncio.Semaphore(max_calls)
        self.active = 0
        self.peak = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the trunk's concurrent calls, held for the duration of the block."""
        async with self._slots:
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                yield
            finally:
                self.active -= 1
