"""An answered call: ACK, hand-off or hold, hang-up (RFC 3261 §13.2.2.4, §15; RFC 3515).

The ACK for a 2xx is a request of its own (new branch) sent to the remote target; every
retransmission of that 2xx is acknowledged again, and a 2xx from another fork is acknowledged
and hung up. With `refer`, the call is blind-transferred to the flow's SIP URI: REFER, then
the NOTIFYs report how the transfer went, and the final one is recorded in the attempt's
reason; then BYE, unless the far end hung up first. With `hangup:N`, the call is held N
seconds. The far end may send BYE at any time; requests inside the dialog are answered here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass

from outdial.telephony.base import CallResult, Outcome
from outdial.telephony.sip import auth
from outdial.telephony.sip.call import OutboundCall, sdp_offer
from outdial.telephony.sip.dialog import Dialog
from outdial.telephony.sip.endpoint import ALLOW, USER_AGENT
from outdial.telephony.sip.grammar import GrammarError
from outdial.telephony.sip.message import Message, response_to
from outdial.telephony.sip.outcomes import describe
from outdial.telephony.sip.transaction import Failure, RequestTransaction
from outdial.telephony.sip.transport import Address, TransportError

TRANSFER_WAIT_S = 60.0
_SIPFRAG = re.compile(r"^SIP/2\.0 ([1-6]\d\d)\b(.*)$")


@dataclass(frozen=True)
class Notify:
    """One NOTIFY of the transfer: the sipfrag status line and whether it was the last."""

    status: int
    line: str
    terminated: bool


def read_notify(request: Message) -> Notify:
    """The transfer progress a NOTIFY reports (status 0 when its body is not a sipfrag)."""
    line = request.body.decode("utf-8", "replace").strip().splitlines()[:1]
    text = line[0].strip()[:100] if line else ""
    match = _SIPFRAG.match(text)
    state = (request.get("Subscription-State") or "").strip().lower()
    return Notify(int(match[1]) if match else 0, text, state.startswith("terminated"))


class AnsweredCall:
    """The dialog a 2xx established, until it ends."""

    def __init__(self, call: OutboundCall, response: Message) -> None:
        assert call.invite is not None and call.tx is not None
        self.call = call
        self.endpoint = call.endpoint
        self.transport = call.transport
        self.dialog = Dialog.from_answer(call.invite, response, call.transport)
        self.answered_at = call.clock.now()
        self.remote_bye = asyncio.Event()
        self.notifies: asyncio.Queue[Notify | None] = asyncio.Queue()
        self.dest: Address = call.dest
        self.ack: Message | None = None
        self.ended = False
        self.key = (self.dialog.call_id, self.dialog.local_tag)

    async def run(self) -> CallResult:
        """ACK, then the answer plan, then BYE; the dialog is forgotten whatever happens."""
        assert self.call.tx is not None
        self.endpoint.dialogs[self.key] = self
        self.call.tx.accepted_handler = self._on_2xx
        try:
            self.dest = await self._next_hop(self.dialog)
            self._send_ack()
            reason, handed_to = await self._plan()
            reason += await self._hang_up()
            self.ended = True
        finally:
            if self.endpoint.dialogs.get(self.key) is self:
                del self.endpoint.dialogs[self.key]
        return self.call.result(Outcome.ANSWERED, reason, self.answered_at, handed_to)

    async def _next_hop(self, dialog: Dialog) -> Address:
        """Where in-dialog requests go; the trunk's address when the peer's is unusable."""
        try:
            return await self.endpoint.resolve(dialog.next_hop())
        except (GrammarError, TransportError):
            return self.call.dest

    def abandon(self) -> None:
        """The call is being torn down early: BYE without waiting, unless it is over."""
        if self.ended or self.remote_bye.is_set():
            return
        self.ended = True
        bye = self.dialog.request(self.endpoint, "BYE", self.dest)
        self.endpoint.send_message(bye, self.dest, self.transport)
        if self.endpoint.dialogs.get(self.key) is self:
            del self.endpoint.dialogs[self.key]

    def _send_ack(self) -> None:
        assert self.call.invite is not None
        ack = self.dialog.request(self.endpoint, "ACK", self.dest, self.call.invite.cseq[0])
        for name, value in self.call.auth_headers.items():
            ack.add(name, value)
        self.ack = ack
        self.endpoint.send_message(ack, self.dest, self.transport)

    def _on_2xx(self, response: Message) -> None:
        """A 2xx after the first: a retransmission (ACK again) or another fork (drop it)."""
        if response.to_addr.tag == self.dialog.remote_tag:
            if self.ack is not None:
                self.endpoint.send_message(self.ack, self.dest, self.transport)
        else:
            self.call.spawn(self._drop_fork(response))

    async def _drop_fork(self, response: Message) -> None:
        assert self.call.invite is not None
        fork = Dialog.from_answer(self.call.invite, response, self.transport)
        dest = await self._next_hop(fork)
        ack = fork.request(self.endpoint, "ACK", dest, self.call.invite.cseq[0])
        self.endpoint.send_message(ack, dest, self.transport)
        bye = RequestTransaction(
            self.endpoint, fork.request(self.endpoint, "BYE", dest), dest, self.transport
        )
        await bye.start()
        await bye.result()

    # ---- what happens while the call is up ------------------------------------------------

    async def _plan(self) -> tuple[str, str | None]:
        plan = self.call.plan.on_answer
        if plan.mode == "hangup":
            return await self._hold(plan.seconds), None
        return await self._transfer()

    async def _hold(self, seconds: float) -> str:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.remote_bye.wait(), seconds)
        return (
            "answered; far end hung up"
            if self.remote_bye.is_set()
            else (f"answered; held {seconds:g}s and hung up")
        )

    async def _transfer(self) -> tuple[str, str | None]:
        """REFER to the flow, then the transfer's final NOTIFY."""
        target = self.call.plan.flow_uri
        if not target:
            return "answered; the experience flow has no SIP URI, hung up", None
        referred_by = f"<sip:{self.call.caller}@{self.call.domain}>"
        headers = {"Refer-To": f"<{target}>", "Referred-By": referred_by}
        response = await self.request("REFER", headers)
        if isinstance(response, Failure):
            return f"answered; REFER to {target} failed: {response.reason}", None
        if response.status >= 300:
            refused = describe(response.status, response.reason)
            return f"answered; REFER to {target} refused: {refused}", None
        final = await self._final_notify()
        if final is None:
            why = "far end hung up" if self.remote_bye.is_set() else "no final NOTIFY"
            return f"answered; REFER to {target} accepted, result unknown ({why})", None
        if 200 <= final.status < 300:
            return f"transferred to {target} (NOTIFY: {final.line})", target
        return f"answered; transfer to {target} failed (NOTIFY: {final.line})", None

    async def _final_notify(self) -> Notify | None:
        """The NOTIFY with a final status; None on BYE, end of subscription or timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TRANSFER_WAIT_S
        while (remaining := deadline - loop.time()) > 0:
            try:
                notify = await asyncio.wait_for(self.notifies.get(), remaining)
            except TimeoutError:
                return None
            if notify is None:
                return None
            if notify.status >= 200:
                return notify
            if notify.terminated:
                return None
        return None

    async def _hang_up(self) -> str:
        """BYE, unless the far end hung up; a BYE left unanswered still ends the dialog."""
        if self.remote_bye.is_set():
            return ""
        response = await self.request("BYE")
        if isinstance(response, Failure):
            return f"; BYE unanswered ({response.reason})"
        return ""

    async def request(
        self, method: str, headers: dict[str, str] | None = None
    ) -> Message | Failure:
        """Send a request inside the dialog, once more with credentials when challenged."""
        answers: dict[str, str] = {}
        for _ in range(2):
            message = self.dialog.request(self.endpoint, method, self.dest)
            for name, value in {**(headers or {}), **answers}.items():
                message.add(name, value)
            message.add("User-Agent", USER_AGENT)
            tx = RequestTransaction(self.endpoint, message, self.dest, self.transport)
            await tx.start()
            response = await tx.result()
            if isinstance(response, Failure) or response.status not in auth.CHALLENGE_HEADER:
                return response
            answer = self._answer_challenge(response, message)
            if answer is None:
                return response
            answers = {auth.ANSWER_HEADER[response.status]: answer}
        return response

    def _answer_challenge(self, response: Message, request: Message) -> str | None:
        credentials = self.call.plan.trunk.credentials
        if credentials is None:
            return None
        for value in response.values(auth.CHALLENGE_HEADER[response.status]):
            with contextlib.suppress(GrammarError):
                challenge = auth.Challenge.parse(value)
                return auth.answer(challenge, credentials, request.method, request.uri)
        return None

    # ---- requests from the far end (called by the endpoint; never raise) -------------------

    def on_request(self, request: Message) -> Message:
        number, _ = request.cseq
        if request.method != "CANCEL":
            if number <= self.dialog.remote_cseq:
                return response_to(request, 500, "CSeq out of order")
            self.dialog.remote_cseq = number
        if request.method == "BYE":
            self.remote_bye.set()
            self.notifies.put_nowait(None)
            return response_to(request, 200, "OK")
        if request.method == "NOTIFY":
            return self._on_notify(request)
        if request.method in ("INVITE", "UPDATE"):
            return self._session_refresh(request)
        if request.method in ("OPTIONS", "INFO", "CANCEL"):
            return response_to(request, 200, "OK")
        response = response_to(request, 405, "Method Not Allowed")
        response.add("Allow", ALLOW)
        return response

    def on_ack(self, request: Message) -> None:
        """ACKs for our answers to re-INVITEs need nothing further."""

    def _on_notify(self, request: Message) -> Message:
        event = (request.get("Event") or "").split(";")[0].strip().lower()
        if event != "refer":
            return response_to(request, 489, "Bad Event")
        self.notifies.put_nowait(read_notify(request))
        return response_to(request, 200, "OK")

    def _session_refresh(self, request: Message) -> Message:
        """A re-INVITE or UPDATE (session timers): accepted with the same inactive offer."""
        response = response_to(request, 200, "OK")
        response.add("Contact", self.endpoint.contact(self.transport, self.dest))
        if request.method == "INVITE" or request.body:
            response.add("Content-Type", "application/sdp")
            response.body = sdp_offer(self.endpoint.advertised_host(self.dest))
        return response
