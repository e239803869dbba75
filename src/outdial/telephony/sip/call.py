"""One outbound call up to its final response: INVITE, provisional responses, CANCEL at the
ring timeout, digest authentication, and the outcome of a call that was not answered.

The ring timer starts when the first INVITE leaves. When it runs out, a CANCEL goes as soon
as a provisional response has arrived (RFC 3261 §9.1 forbids it earlier); the callee's 487
then ends the call as no answer. An INVITE challenged with 401/407 is sent again with the
trunk's credentials (new CSeq, same Call-ID and tag), at most twice. A 2xx is handed to
`answer.AnsweredCall`, which runs the rest of the dialog.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from outdial.kit.clock import Clock
from outdial.telephony.base import CallRequest, CallResult, Outcome
from outdial.telephony.sip import auth
from outdial.telephony.sip.config import OnAnswer, TrunkConfig
from outdial.telephony.sip.endpoint import ALLOW, USER_AGENT, Endpoint, hostport
from outdial.telephony.sip.grammar import GrammarError, Uri, quote
from outdial.telephony.sip.limits import RateLimit
from outdial.telephony.sip.message import Message
from outdial.telephony.sip.outcomes import describe, outcome_for, timeout_outcome
from outdial.telephony.sip.transaction import (
    Failure,
    InviteTransaction,
    RequestTransaction,
    State,
)
from outdial.telephony.sip.transport import Address, Transport, TransportError

log = structlog.get_logger(__name__)
ATTEMPT_HEADER = "X-Outdial-Attempt"
MAX_CHALLENGES = 2
_USER_SAFE = re.compile(r"[^0-9A-Za-z+*#._-]")


@dataclass(frozen=True)
class CallPlan:
    """Everything one call needs: the engine's request, the trunk and what to do on answer."""

    request: CallRequest
    trunk: TrunkConfig
    on_answer: OnAnswer
    flow_uri: str | None
    rate: RateLimit | None = None


def sdp_offer(host: str) -> bytes:
    """An offer that is honest about outdial sending no media (`a=inactive`): the call is
    handed to the flow by REFER, or held silently and hung up."""
    version = "IP6" if ":" in host else "IP4"
    session = str(abs(hash(host)) % 10**9)
    lines = [
        "v=0",
        f"o=outdial {session} {session} IN {version} {host}",
        "s=outdial",
        f"c=IN {version} {host}",
        "t=0 0",
        "m=audio 9 RTP/AVP 0 8 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=inactive",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


class OutboundCall:
    """The caller's side of one call, from the first INVITE to its final response."""

    def __init__(self, endpoint: Endpoint, plan: CallPlan, clock: Clock) -> None:
        self.endpoint = endpoint
        self.plan = plan
        self.clock = clock
        self.transport: Transport = endpoint.transport(plan.trunk.transport)
        self.target = plan.trunk.request_uri(plan.request.to)
        self.call_id = endpoint.call_id()
        self.local_tag = endpoint.tag()
        self.cseq = 0
        self.dest: Address = ("", 0)
        self.invite: Message | None = None
        self.tx: InviteTransaction | None = None
        self.auth_headers: dict[str, str] = {}
        self.provisional = self.cancelled = self.cancel_due = False
        self.ring_deadline = 0.0
        self.started_at: datetime = clock.now()
        self.background: set[asyncio.Task[object]] = set()

    @property
    def caller(self) -> str:
        """The caller id as a SIP user part (anything else stripped)."""
        return _USER_SAFE.sub("", self.plan.request.caller_id) or "anonymous"

    @property
    def domain(self) -> str:
        """The trunk's host[:port], used as the host of From and P-Asserted-Identity."""
        uri = Uri.parse(self.target)
        return hostport(uri.host, uri.port) if uri.port else uri.host

    def result(
        self,
        outcome: Outcome,
        reason: str,
        answered_at: datetime | None = None,
        handed_to: str | None = None,
    ) -> CallResult:
        now = self.clock.now()
        return CallResult(outcome, self.started_at, now, answered_at, reason, handed_to)

    # ---- INVITE -----------------------------------------------------------------------------

    def _invite_message(self) -> Message:
        self.cseq += 1
        caller, request = self.caller, self.plan.request
        message = Message(method="INVITE", uri=self.target)
        message.add("Via", self.endpoint.via(self.transport, self.dest))
        message.add("Max-Forwards", "70")
        message.add("From", f"{quote(caller)} <sip:{caller}@{self.domain}>;tag={self.local_tag}")
        message.add("To", f"<{self.target}>")
        message.add("Call-ID", self.call_id)
        message.add("CSeq", f"{self.cseq} INVITE")
        message.add("Contact", self.endpoint.contact(self.transport, self.dest))
        message.add("P-Asserted-Identity", f"<sip:{caller}@{self.domain}>")
        message.add(ATTEMPT_HEADER, _USER_SAFE.sub("", request.attempt_id))
        message.add("Allow", ALLOW)
        message.add("User-Agent", USER_AGENT)
        for name, value in self.auth_headers.items():
            message.add(name, value)
        message.add("Content-Type", "application/sdp")
        message.body = sdp_offer(self.endpoint.advertised_host(self.dest))
        return message

    async def _send_invite(self) -> InviteTransaction:
        """The first INVITE waits for the trunk's rate and tells it when it left."""
        if self.cseq == 0 and self.plan.rate is not None:
            async with self.plan.rate.start() as stamp:
                tx = await self._transmit_invite()
                stamp(tx.sent_at)
            return tx
        return await self._transmit_invite()

    async def _transmit_invite(self) -> InviteTransaction:
        first = self.cseq == 0
        self.invite = self._invite_message()
        self.tx = InviteTransaction(self.endpoint, self.invite, self.dest, self.transport)
        if first:
            self.started_at = self.clock.now()
            loop = asyncio.get_running_loop()
            self.ring_deadline = loop.time() + self.plan.request.ring_timeout_s
        await self.tx.start()
        return self.tx

    async def final_response(self) -> Message | Failure:
        """Send the INVITE (again, with credentials, when challenged) until a final answer."""
        try:
            self.dest = await self.endpoint.resolve(Uri.parse(self.target))
        except (GrammarError, TransportError) as exc:
            return Failure(f"cannot reach {self.target}: {exc}")
        challenges = 0
        while True:
            final = await self._await_final(await self._send_invite())
            if isinstance(final, Failure) or final.status not in auth.CHALLENGE_HEADER:
                return final
            challenges += 1
            if self.cancelled or challenges > MAX_CHALLENGES or not self._authorize(final):
                return final

    async def _await_final(self, tx: InviteTransaction) -> Message | Failure:
        """Wait for the final response, cancelling when the ring time runs out."""
        loop = asyncio.get_running_loop()
        while True:
            waiting = not (self.cancelled or self.cancel_due)
            timeout = self.ring_deadline - loop.time() if waiting else None
            event = await tx.next_event(timeout)
            if event is None:
                await self._ring_timeout()
            elif isinstance(event, Failure) or event.status >= 200:
                return event
            else:
                self.provisional = True
                if self.cancel_due and not self.cancelled:
                    await self._cancel()

    async def _ring_timeout(self) -> None:
        if self.provisional:
            await self._cancel()
        else:
            self.cancel_due = True

    def cancel_message(self) -> Message:
        """CANCEL for the INVITE in flight: same branch, Request-URI, Call-ID, From, To."""
        assert self.invite is not None
        cancel = Message(method="CANCEL", uri=self.invite.uri)
        cancel.add("Via", self.invite.values("Via")[0])
        for route in self.invite.values("Route"):
            cancel.add("Route", route)
        cancel.add("Max-Forwards", "70")
        for name in ("From", "To", "Call-ID"):
            cancel.add(name, self.invite.get(name) or "")
        cancel.add("CSeq", f"{self.invite.cseq[0]} CANCEL")
        cancel.add("User-Agent", USER_AGENT)
        return cancel

    async def _cancel(self) -> None:
        """Ring time is over: CANCEL, and wait at most 64*T1 more for the final response."""
        assert self.tx is not None
        self.cancelled = True
        cancel = RequestTransaction(self.endpoint, self.cancel_message(), self.dest, self.transport)
        await cancel.start()
        self.spawn(cancel.result())
        self.tx.guard(self.endpoint.timers.b)
        log.debug("sip ring timeout: CANCEL sent", call_id=self.call_id)

    def _authorize(self, challenge: Message) -> bool:
        """Answer a 401/407 with the trunk's credentials; False when we cannot (no
        credentials, no Digest challenge, or the same nonce refused already)."""
        credentials = self.plan.trunk.credentials
        if credentials is None:
            return False
        header = auth.ANSWER_HEADER[challenge.status]
        for value in challenge.values(auth.CHALLENGE_HEADER[challenge.status]):
            try:
                parsed = auth.Challenge.parse(value)
            except GrammarError:
                continue
            previous = self.auth_headers.get(header, "")
            if f'nonce="{parsed.nonce}"' in previous and not parsed.stale:
                return False
            self.auth_headers[header] = auth.answer(parsed, credentials, "INVITE", self.target)
            return True
        return False

    # ---- outcome ----------------------------------------------------------------------------

    def unanswered(self, final: Message | Failure) -> CallResult:
        """The result of a call whose INVITE ended without a 2xx."""
        if isinstance(final, Failure):
            return self.result(timeout_outcome(self.cancelled), final.reason)
        reason = describe(final.status, final.reason)
        if self.cancelled and final.status == 487:
            reason = f"no answer within {self.plan.request.ring_timeout_s:g}s (CANCEL, {reason})"
        elif final.status in auth.CHALLENGE_HEADER:
            reason += " (credentials missing or refused)"
        return self.result(outcome_for(final.status, self.cancelled), reason)

    def spawn(self, work: Coroutine[Any, Any, object]) -> None:
        """Run `work` alongside the call; it is cancelled if still running when the call is
        over."""
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def abandon(self) -> None:
        """The call is being torn down early (shutdown, time limit): CANCEL a pending
        INVITE without waiting, so the far end is not left ringing."""
        pending = self.tx is not None and self.tx.state in (State.CALLING, State.PROCEEDING)
        if pending and self.provisional and not self.cancelled:
            self.endpoint.send_message(self.cancel_message(), self.dest, self.transport)
        if pending and self.tx is not None:
            self.tx.terminate()
        for task in list(self.background):
            task.cancel()
