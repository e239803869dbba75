"""The SIP backend behind the `Telephony` protocol.

Each call: find its route (trunk, flow URI) through the directory, take one of the trunk's
concurrent calls, let the first INVITE wait for the trunk's rate, run the call, and return
its outcome; it never raises for a call that failed. Every call has a hard time limit
(ring time, the answer plan and a few 64*T1 transaction timeouts): past it, or when the
engine cancels the call at shutdown, a pending INVITE is cancelled and an established dialog
gets a BYE, so no call is ever left up at the far end or in outdial's tables.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import structlog

from outdial.kit.clock import Clock
from outdial.telephony.base import CallRequest, CallResult, Outcome
from outdial.telephony.sip.answer import TRANSFER_WAIT_S, AnsweredCall
from outdial.telephony.sip.call import CallPlan, OutboundCall
from outdial.telephony.sip.config import SipConfig, TrunkConfig, render_flow_uri
from outdial.telephony.sip.endpoint import Endpoint
from outdial.telephony.sip.limits import CallLimiter
from outdial.telephony.sip.transaction import Failure
from outdial.telephony.sip.transport import TransportError

log = structlog.get_logger(__name__)
TIME_LIMIT_TIMEOUTS = 6  # INVITE (twice when challenged), CANCEL, REFER, BYE: 64*T1 each


@dataclass(frozen=True)
class Route:
    """Where one call goes: the trunk (None: no trunk configured) and the flow's URI."""

    trunk: TrunkConfig | None
    flow_uri: str | None


class Directory(Protocol):
    """Finds each call's route (per-account trunks and per-flow URIs live in the database)."""

    async def route(self, request: CallRequest) -> Route: ...

    async def close(self) -> None: ...


class SettingsDirectory:
    """Routes from the settings alone: one trunk, flow URIs from the template."""

    def __init__(self, config: SipConfig) -> None:
        self.config = config

    async def route(self, request: CallRequest) -> Route:
        flow = request.flow_id
        uri = (
            render_flow_uri(self.config.flow_uri, flow, flow)
            if flow and self.config.flow_uri
            else None
        )
        return Route(self.config.trunk, uri)

    async def close(self) -> None:
        return None


class SipTelephony:
    """Places calls over SIP on one endpoint (UDP and TCP on one port)."""

    def __init__(self, config: SipConfig, clock: Clock, directory: Directory | None = None) -> None:
        self.config = config
        self.clock = clock
        self.directory = directory or SettingsDirectory(config)
        self.endpoint = Endpoint(config.bind_host, config.bind_port, config.timers)
        self.limiters: dict[str, CallLimiter] = {}
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        """Open the SIP port (done by the first call when not called before)."""
        async with self._start_lock:
            if not self.endpoint.transports:
                await self.endpoint.start(("udp", "tcp"))

    def limiter(self, trunk: TrunkConfig) -> CallLimiter:
        """The trunk's limiter; a trunk whose limits changed gets a new one."""
        current = self.limiters.get(trunk.key)
        if current is None or (current.cps, current.max_calls) != trunk.limits():
            current = CallLimiter(trunk.cps, trunk.max_calls)
            self.limiters[trunk.key] = current
        return current

    def _failed(self, reason: str) -> CallResult:
        now = self.clock.now()
        return CallResult(Outcome.FAILED, now, now, reason=reason)

    async def place_call(self, request: CallRequest) -> CallResult:
        try:
            route = await self.directory.route(request)
        except Exception:
            log.exception("sip route lookup failed", attempt=request.attempt_id)
            return self._failed("SIP route lookup failed")
        if route.trunk is None:
            return self._failed("no SIP trunk: set OUTDIAL_SIP_TRUNK_URI or add a trunk")
        limiter = self.limiter(route.trunk)
        async with limiter.slot():
            try:
                await self.start()
            except OSError as exc:
                log.error("sip port cannot be opened", error=str(exc))
                return self._failed(f"SIP port cannot be opened: {exc}")
            plan = CallPlan(
                request, route.trunk, self.config.on_answer, route.flow_uri, limiter.rate
            )
            return await self._call(plan)

    def time_limit(self, plan: CallPlan) -> float:
        """The longest a call may take, however its peer behaves."""
        held = plan.on_answer.seconds if plan.on_answer.mode == "hangup" else TRANSFER_WAIT_S
        timeouts = TIME_LIMIT_TIMEOUTS * self.config.timers.b
        return plan.request.ring_timeout_s + held + timeouts

    async def _call(self, plan: CallPlan) -> CallResult:
        try:
            call = OutboundCall(self.endpoint, plan, self.clock)
        except TransportError as exc:
            return self._failed(f"transport error: {exc}")
        answered: AnsweredCall | None = None
        try:
            async with asyncio.timeout(self.time_limit(plan)):
                final = await call.final_response()
                if isinstance(final, Failure) or final.status >= 300:
                    return call.unanswered(final)
                answered = AnsweredCall(call, final)
                return await answered.run()
        except TimeoutError:
            log.warning("sip call over its time limit", call_id=call.call_id)
            if answered is None:
                return call.result(Outcome.FAILED, "call over its time limit")
            return call.result(
                Outcome.ANSWERED,
                "answered; call over its time limit, hung up",
                answered.answered_at,
            )
        finally:
            call.abandon()
            if answered is not None:
                answered.abandon()

    async def close(self) -> None:
        await self.endpoint.close()
        await self.directory.close()
