"""Clocks: the wall clock for `serve`, a virtual clock for `simulate` and tests.

The engine and the simulated carrier never call `datetime.now` or `asyncio.sleep` directly;
they ask a `Clock`. With `VirtualClock`, time stands still while any participant is working
(database I/O included) and jumps straight to the next deadline once every participant is
waiting on the clock, so a day of dialing runs in seconds and the result does not depend on
how fast the machine is. Participants are the tasks started with `clock.spawn` plus the
caller of `run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from outdial.kit.timefmt import utcnow

T = TypeVar("T")


class Waker(Protocol):
    """A wake-up call: `wait` returns after `seconds` or as soon as `wake` is called."""

    def wake(self) -> None: ...

    async def wait(self, seconds: float) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...

    def waker(self) -> Waker: ...

    def spawn(self, coro: Coroutine[Any, Any, T], name: str = "") -> asyncio.Task[T]: ...


class _EventWaker:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=max(seconds, 0.0))
        self._event.clear()


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))

    def waker(self) -> Waker:
        return _EventWaker()

    def spawn(self, coro: Coroutine[Any, Any, T], name: str = "") -> asyncio.Task[T]:
        return asyncio.get_running_loop().create_task(coro, name=name or None)


class VirtualClock:
    """Discrete-event time: advances only when every participant waits on the clock."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._timers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._running = 0
        self._advance_pending = False

    def now(self) -> datetime:
        return self._now

    def _timer(self, seconds: float) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        due = self._now + timedelta(seconds=max(seconds, 0.0))
        heapq.heappush(self._timers, (due, next(self._seq), future))
        return future

    async def _park(self, future: asyncio.Future[None]) -> None:
        """Wait on the clock: this participant stops counting as running until woken."""
        self._running -= 1
        self._advance_soon()
        try:
            await future
        finally:
            if future.cancelled():
                self._running += 1  # cancelled while parked: it is running again

    async def sleep(self, seconds: float) -> None:
        await self._park(self._timer(seconds))

    def waker(self) -> Waker:
        return _VirtualWaker(self)

    def _resume(self, future: asyncio.Future[None]) -> bool:
        if future.done():
            return False
        self._running += 1
        future.set_result(None)
        return True

    def _advance_soon(self) -> None:
        """Advance once pending wake-ups have run (two loop turns: a finished task's waiter
        is told on the turn after the task's own callbacks). One request at a time."""
        if self._advance_pending:
            return
        self._advance_pending = True
        loop = asyncio.get_running_loop()
        loop.call_soon(loop.call_soon, self._advance)

    def _advance(self) -> None:
        """Jump to the earliest deadline once nobody is running, and wake its sleepers."""
        self._advance_pending = False
        while self._running == 0 and self._timers:
            due, _, future = heapq.heappop(self._timers)
            if future.done():
                continue
            self._now = max(self._now, due)
            self._resume(future)
            while self._timers and self._timers[0][0] <= self._now:
                self._resume(heapq.heappop(self._timers)[2])

    def spawn(self, coro: Coroutine[Any, Any, T], name: str = "") -> asyncio.Task[T]:
        self._running += 1
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, _: asyncio.Task[Any]) -> None:
        self._running -= 1
        self._advance_soon()

    async def join(self, *tasks: asyncio.Task[Any]) -> list[Any]:
        """Wait for spawned tasks without holding the clock still: the caller is parked, and
        running again (at the same instant) as soon as the last task ends."""
        gathered = asyncio.gather(*tasks)
        resumed = False

        def wake(_: object) -> None:
            nonlocal resumed
            resumed = True
            self._running += 1

        self._running -= 1
        self._advance_soon()
        gathered.add_done_callback(wake)
        try:
            return list(await gathered)
        finally:
            if not resumed:
                self._running += 1

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` as a participant and return its result."""
        return await self.spawn(coro, "virtual-main")


class _VirtualWaker:
    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._pending = False
        self._future: asyncio.Future[None] | None = None

    def wake(self) -> None:
        if self._future is not None and self._clock._resume(self._future):
            return
        self._pending = True

    async def wait(self, seconds: float) -> None:
        if self._pending:
            self._pending = False
            return
        self._future = self._clock._timer(seconds)
        try:
            await self._clock._park(self._future)
        finally:
            self._future = None
