"""Client transactions (RFC 3261 §17.1, with RFC 6026's Accepted state).

INVITE: retransmitted on Timer A (T1, doubling) over UDP until any response; Timer B (64*T1)
gives up when nothing at all came back. A provisional response stops retransmission; a
non-2xx final response is acknowledged here, in the transaction, and the ACK is sent again
for every retransmission of that response until Timer D. A 2xx ends retransmission and is
handed to the call, which acknowledges it itself; retransmitted 2xx keep arriving at the
call for 64*T1 so it can acknowledge them again.

Non-INVITE (BYE, CANCEL, REFER): retransmitted on Timer E (T1 doubling up to T2), abandoned
on Timer F (64*T1); retransmitted final responses are absorbed until Timer K.

Timers are loop callbacks, not tasks: a transaction costs nothing while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from asyncio import TimerHandle
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from outdial.telephony.sip.message import Message
from outdial.telephony.sip.transport import Address, Transport, TransportError

if TYPE_CHECKING:
    from outdial.telephony.sip.endpoint import Endpoint


@dataclass(frozen=True)
class Timers:
    """RFC 3261 timer values in seconds."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    d: float = 32.0

    @property
    def b(self) -> float:
        """Timers B, F, H and J: 64*T1."""
        return 64 * self.t1


@dataclass(frozen=True)
class Failure:
    """No usable response: a timeout or a transport error."""

    reason: str


Event = Message | Failure


class State(Enum):
    CALLING = "calling"
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class ClientTransaction(ABC):
    """One request sent by outdial and the responses that match it (same branch, method)."""

    def __init__(
        self, endpoint: Endpoint, request: Message, dest: Address, transport: Transport
    ) -> None:
        self.endpoint = endpoint
        self.request = request
        self.dest = dest
        self.transport = transport
        self.timers = endpoint.timers
        self.key = (request.top_via.branch, request.method)
        self.state = State.CALLING
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self._data = request.encode()
        self._retransmit: TimerHandle | None = None
        self._deadline: TimerHandle | None = None
        self.sent_at = 0.0

    def _later(self, delay: float, callback: Callable[..., object], *args: object) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback, *args)

    async def start(self) -> None:
        """Send the request and arm the timers; a send failure becomes a Failure event."""
        self.endpoint.register(self)
        self.sent_at = asyncio.get_running_loop().time()
        try:
            self.sent_at = await self.endpoint.transmit(
                self._data, self.dest, self.transport, self.request
            )
        except TransportError as exc:
            self._fail(f"transport error: {exc}")
            return
        if not self.transport.reliable:
            self._retransmit = self._later(self.timers.t1, self._resend, self.timers.t1)
        self._deadline = self._later(self.timers.b, self._fail, "timeout: no response")

    @abstractmethod
    def _resend(self, interval: float) -> None:
        """Retransmit the request over UDP (Timer A or E, by kind) and schedule the next."""

    def _post(self, data: bytes) -> None:
        self.endpoint.post(data, self.dest, self.transport)

    def _fail(self, reason: str) -> None:
        if self.state in (State.CALLING, State.PROCEEDING):
            self.events.put_nowait(Failure(reason))
        self.terminate()

    def _stop_timers(self) -> None:
        for handle in (self._retransmit, self._deadline):
            if handle is not None:
                handle.cancel()
        self._retransmit = self._deadline = None

    def _linger(self, seconds: float) -> None:
        """Stay matchable for `seconds` (to absorb retransmissions), then terminate."""
        self._stop_timers()
        if seconds <= 0:
            self.terminate()
        else:
            self._deadline = self._later(seconds, self.terminate)

    def terminate(self) -> None:
        """Forget the transaction; later responses are dropped by the endpoint."""
        self._stop_timers()
        self.state = State.TERMINATED
        self.endpoint.unregister(self)

    @abstractmethod
    def on_response(self, response: Message) -> None:
        """Advance the kind's state machine on a response matched to this transaction."""

    async def next_event(self, within: float | None = None) -> Event | None:
        """The next response or failure; None when `within` seconds pass first."""
        if within is None:
            return await self.events.get()
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self.events.get(), max(within, 0.0))
        return None


class InviteTransaction(ClientTransaction):
    """The INVITE client transaction; `on_accepted` receives 2xx after the first one."""

    def __init__(
        self, endpoint: Endpoint, request: Message, dest: Address, transport: Transport
    ) -> None:
        super().__init__(endpoint, request, dest, transport)
        self.ack: bytes | None = None
        self.accepted_handler: Callable[[Message], None] | None = None

    def _resend(self, interval: float) -> None:
        if self.state is State.CALLING:
            self._post(self._data)
            self._retransmit = self._later(interval * 2, self._resend, interval * 2)

    def guard(self, seconds: float) -> None:
        """After a CANCEL: give up if no final response comes within `seconds`."""
        if self.state in (State.CALLING, State.PROCEEDING):
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self._later(seconds, self._fail, "timeout: no answer to CANCEL")

    def on_response(self, response: Message) -> None:
        if self.state in (State.CALLING, State.PROCEEDING):
            self._first(response)
        elif self.state is State.ACCEPTED and response.status < 300:
            if self.accepted_handler is not None:
                self.accepted_handler(response)
        elif self.state is State.COMPLETED and response.status >= 300 and self.ack:
            self._post(self.ack)

    def _first(self, response: Message) -> None:
        if response.status < 200:
            if self.state is State.CALLING and self._retransmit is not None:
                self._retransmit.cancel()
                self._retransmit = None
            if self.state is State.CALLING and self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            self.state = State.PROCEEDING
        elif response.status < 300:
            self.state = State.ACCEPTED
            self._linger(self.timers.b)
        else:
            self.state = State.COMPLETED
            ack = self.endpoint.ack_for_failure(self.request, response)
            self.ack = ack.encode()
            self.endpoint.send_message(ack, self.dest, self.transport)
            self._linger(0 if self.transport.reliable else self.timers.d)
        self.events.put_nowait(response)


class RequestTransaction(ClientTransaction):
    """A non-INVITE client transaction (BYE, CANCEL, REFER)."""

    def _resend(self, interval: float) -> None:
        if self.state in (State.CALLING, State.PROCEEDING):
            self._post(self._data)
            following = self.timers.t2 if self.state is State.PROCEEDING else interval * 2
            following = min(following, self.timers.t2)
            self._retransmit = self._later(following, self._resend, following)

    def on_response(self, response: Message) -> None:
        if self.state not in (State.CALLING, State.PROCEEDING):
            return
        if response.status < 200:
            self.state = State.PROCEEDING
            return
        self.state = State.COMPLETED
        self._linger(0 if self.transport.reliable else self.timers.t4)
        self.events.put_nowait(response)

    async def result(self) -> Event:
        """The final response, or the Failure (Timer F or a transport error)."""
        event = await self.next_event()
        assert event is not None
        return event
