"""The SIP backend against real SIPp processes on 127.0.0.1: every outcome, CANCEL at ring
time, digest challenges, REFER accepted and refused, BYE from either side, TCP, packet loss,
far ends that stop answering, and the trunk's limits. SIPp's own counters are the witness.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from outdial.kit.clock import SystemClock
from outdial.telephony.base import CallRequest, CallResult, Outcome
from outdial.telephony.sip.backend import SipTelephony
from outdial.telephony.sip.config import OnAnswer, SipConfig, TrunkConfig
from outdial.telephony.sip.message import Message
from outdial.telephony.sip.transaction import Timers
from tests.sipp.harness import Sipp, free_port, require_sipp, sipp

FLOW_URI = "sip:{flow}@127.0.0.1:5999"
FAST = Timers(t1=0.05, t2=0.4, t4=0.5, d=0.5)  # 64*T1 = 3.2 s, for far ends that go silent


@pytest.fixture(autouse=True)
def _sipp_present() -> None:
    require_sipp()


def number(code: int | str, line: int = 0) -> str:
    """A number callee.xml answers with `code` (its last three digits)."""
    return f"+1415555{line % 10}{code}"


def request(to: str, attempt: str = "att-1-1", ring_s: float = 5.0) -> CallRequest:
    return CallRequest(attempt, to, "+14155550100", ring_s, "cf-flow", "no")


@dataclass
class Wire:
    """What outdial's endpoint sent and received, with loop timestamps."""

    log: list[tuple[str, Message, float]] = field(default_factory=list)

    def __call__(self, direction: str, message: Message, peer: Any, at: float) -> None:
        self.log.append((direction, message, at))

    def sent(self, method: str) -> list[Message]:
        return [m for d, m, _ in self.log if d == "out" and m.method == method]

    def received(self, status: int | None = None, method: str = "") -> list[Message]:
        return [
            m
            for d, m, _ in self.log
            if d == "in" and (status is None or m.status == status) and m.method == method
        ]


def backend(
    trunk_uri: str,
    on_answer: str = "hangup:0",
    timers: Timers | None = None,
    **trunk: Any,
) -> tuple[SipTelephony, Wire]:
    config = SipConfig(
        bind_host="127.0.0.1",
        bind_port=0,
        on_answer=OnAnswer.parse(on_answer),
        flow_uri=FLOW_URI,
        trunk=TrunkConfig(key="test", uri=trunk_uri, **trunk),
        timers=timers or Timers(),
    )
    telephony = SipTelephony(config, SystemClock())
    wire = Wire()
    telephony.endpoint.observers.append(wire)
    return telephony, wire


def place(telephony: SipTelephony, requests: Iterable[CallRequest]) -> list[CallResult]:
    """Place the calls at once; close the backend afterwards."""

    async def main() -> list[CallResult]:
        try:
            return list(await asyncio.gather(*(telephony.place_call(r) for r in requests)))
        finally:
            await telephony.close()

    return asyncio.run(main())


def run(telephony: SipTelephony, work: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        try:
            return await work()
        finally:
            await telephony.close()

    return asyncio.run(main())


# ---- outcomes --------------------------------------------------------------------------------

MAPPING = [
    (200, Outcome.ANSWERED),
    (486, Outcome.BUSY),
    (600, Outcome.BUSY),
    (408, Outcome.NO_ANSWER),
    (480, Outcome.NO_ANSWER),
    (404, Outcome.INVALID),
    (484, Outcome.INVALID),
    (604, Outcome.INVALID),
    (403, Outcome.FAILED),
    (503, Outcome.FAILED),
    (500, Outcome.FAILED),
    (603, Outcome.FAILED),
]


def test_every_final_response_maps_to_its_outcome(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=len(MAPPING)) as far:
        telephony, wire = backend(far.trunk_uri)
        results = place(telephony, [request(number(c), f"att-{c}-1") for c, _ in MAPPING])
        far.wait()
    assert [r.outcome for r in results] == [outcome for _, outcome in MAPPING]
    for (code, _), result in zip(MAPPING[1:], results[1:], strict=True):
        assert result.reason.startswith(str(code)), result.reason
        assert result.answered_at is None
    assert far.final_responses() == {code: 1 for code, _ in MAPPING}
    assert len(wire.sent("ACK")) == len(MAPPING), "every final response is acknowledged"
    assert far.stats()["FailedCall(C)"] == "0"


def test_answered_call_is_held_then_hung_up_with_bye(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, "hangup:0.2")
        [result] = place(telephony, [request(number(200), "att-7-2")])
        far.wait()
    assert result.outcome is Outcome.ANSWERED
    assert result.answered_at is not None and result.started_at <= result.answered_at
    assert result.reason == "answered; held 0.2s and hung up"
    invite = wire.sent("INVITE")[0]
    assert (invite.get("From") or "").startswith('"+14155550100" <sip:+14155550100@127.0.0.1:')
    assert invite.get("P-Asserted-Identity") == f"<sip:+14155550100@127.0.0.1:{far.port}>"
    assert invite.get("X-Outdial-Attempt") == "att-7-2"
    assert invite.uri == f"sip:+14155550200@127.0.0.1:{far.port}"
    assert invite.call_id in far.messages()
    assert "X-Outdial-Attempt: att-7-2" in far.messages()
    counts = far.counts()
    assert far.total("_ACK_Recv") == 1 and far.total("_BYE_Recv") == 1
    assert counts["0_INVITE_Recv"] == 1
    assert telephony.endpoint.dialogs == {}


def test_unanswered_call_is_cancelled_at_ring_time(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri)
        [result] = place(telephony, [request(number(180), ring_s=1.0)])
        far.wait()
    assert result.outcome is Outcome.NO_ANSWER
    assert result.reason == "no answer within 1s (CANCEL, 487 Request Terminated)"
    assert far.total("_CANCEL_Recv") == 1
    assert far.final_responses() == {487: 1}
    cancel, invite = wire.sent("CANCEL")[0], wire.sent("INVITE")[0]
    assert cancel.top_via.branch == invite.top_via.branch
    assert cancel.cseq == (invite.cseq[0], "CANCEL")


def test_service_unavailable_is_a_failure(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=1) as far:
        telephony, _ = backend(far.trunk_uri)
        [result] = place(telephony, [request(number(503))])
        far.wait()
    assert (result.outcome, result.reason) == (Outcome.FAILED, "503 Service Unavailable")
    assert far.final_responses() == {503: 1}


# ---- digest authentication -------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["auth.xml", "proxyauth.xml"])
def test_digest_challenge_is_answered(tmp_path: Path, scenario: str) -> None:
    with sipp(scenario, tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, username="outdial", password="s3cret")
        [result] = place(telephony, [request(number(200))])
        far.wait()
    assert result.outcome is Outcome.ANSWERED, result.reason
    first, second = wire.sent("INVITE")
    assert second.cseq[0] == first.cseq[0] + 1 and second.call_id == first.call_id
    assert second.from_addr.tag == first.from_addr.tag
    header = "Authorization" if scenario == "auth.xml" else "Proxy-Authorization"
    assert (second.get(header) or "").startswith('Digest username="outdial"')
    assert far.total("_BYE_Recv") == 1 and far.stats()["FailedCall(C)"] == "0"


def test_wrong_password_is_refused_by_sipp(tmp_path: Path) -> None:
    with sipp("auth.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, username="outdial", password="wrong")
        [result] = place(telephony, [request(number(200))])
        far.wait()
    assert (result.outcome, result.reason) == (Outcome.FAILED, "403 Forbidden")
    assert len(wire.sent("INVITE")) == 2


def test_challenge_without_credentials_fails(tmp_path: Path) -> None:
    with sipp("auth.xml", tmp_path) as far:
        telephony, wire = backend(far.trunk_uri)
        [result] = place(telephony, [request(number(200))])
        far.kill()
    assert result.outcome is Outcome.FAILED
    assert result.reason == "401 Unauthorized (credentials missing or refused)"
    assert len(wire.sent("INVITE")) == 1 and len(wire.sent("ACK")) == 1


# ---- hand-off and hang-up ----------------------------------------------------------------------


def test_refer_accepted_hands_the_call_to_the_flow(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, "refer")
        [result] = place(telephony, [request(number(200))])
        far.wait()
    target = "sip:cf-flow@127.0.0.1:5999"
    assert result.outcome is Outcome.ANSWERED
    assert result.handed_to == target
    assert result.reason == f"transferred to {target} (NOTIFY: SIP/2.0 200 OK)"
    refer = wire.sent("REFER")[0]
    assert refer.get("Refer-To") == f"<{target}>"
    assert f"Refer-To: <{target}>" in far.messages()
    assert far.total("_NOTIFY_Sent") == 2 and far.total("_200_Recv") == 2
    assert far.total("_BYE_Recv") == 1, "the dialog ends with outdial's BYE"


def test_refer_refused_ends_the_call_cleanly(tmp_path: Path) -> None:
    with sipp("refer_refused.xml", tmp_path, calls=1) as far:
        telephony, _ = backend(far.trunk_uri, "refer")
        [result] = place(telephony, [request(number(200))])
        far.wait()
    assert result.outcome is Outcome.ANSWERED and result.handed_to is None
    assert result.reason == ("answered; REFER to sip:cf-flow@127.0.0.1:5999 refused: 603 Decline")
    assert far.total("_BYE_Recv") == 1 and far.stats()["FailedCall(C)"] == "0"


def test_far_end_may_hang_up_first(tmp_path: Path) -> None:
    with sipp("remote_bye.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, "hangup:60")
        [result] = place(telephony, [request(number(200))])
        far.wait()
    assert (result.outcome, result.reason) == (Outcome.ANSWERED, "answered; far end hung up")
    assert wire.sent("BYE") == [], "no BYE of our own after theirs"
    assert far.total("_200_Recv") == 1
    assert telephony.endpoint.dialogs == {}


def test_calls_over_tcp(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, transport="t1", calls=2) as far:
        uri = far.trunk_uri + ";transport=tcp"
        telephony, wire = backend(uri, "refer", transport="tcp")
        answered, busy = place(telephony, [request(number(200)), request(number(486))])
        far.wait()
    assert answered.outcome is Outcome.ANSWERED and answered.handed_to is not None
    assert busy.outcome is Outcome.BUSY
    assert wire.sent("INVITE")[0].top_via.transport == "TCP"
    assert far.final_responses() == {200: 1, 486: 1}


# ---- packet loss -----------------------------------------------------------------------------


class LossyLink(asyncio.DatagramProtocol):
    """A UDP relay between outdial and SIPp that drops the first copy of every distinct
    datagram, in both directions: only retransmissions get through."""

    def __init__(self, far: tuple[str, int]) -> None:
        self.far = far
        self.near: tuple[str, int] | None = None
        self.seen: set[bytes] = set()
        self.dropped: list[str] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        from_far = (addr[0], addr[1]) == self.far
        if not from_far:
            self.near = (str(addr[0]), int(addr[1]))
        digest = hashlib.sha256(data).digest()
        if digest not in self.seen:
            self.seen.add(digest)
            self.dropped.append(
                data.split(b"\r\n", 1)[0].decode() + f" [{'in' if from_far else 'out'}]"
            )
            return
        dest = self.near if from_far else self.far
        if dest is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, dest)


def test_lost_packets_are_retransmitted(tmp_path: Path) -> None:
    async def main(far: Sipp, relay_port: int) -> tuple[CallResult, LossyLink, Wire]:
        loop = asyncio.get_running_loop()
        transport, link = await loop.create_datagram_endpoint(
            lambda: LossyLink(("127.0.0.1", far.port)), local_addr=("127.0.0.1", relay_port)
        )
        telephony, wire = backend(f"sip:{{number}}@127.0.0.1:{relay_port}", "hangup:3")
        try:
            result = await telephony.place_call(request(number(200)))
        finally:
            await telephony.close()
            transport.close()
        return result, link, wire

    relay_port = free_port()
    with sipp("lossy.xml", tmp_path, calls=1, keys={"contact_port": str(relay_port)}) as far:
        result, link, wire = asyncio.run(main(far, relay_port))
        far.wait()
    assert result.outcome is Outcome.ANSWERED, result.reason
    assert result.reason == "answered; held 3s and hung up"
    lost = " | ".join(link.dropped)
    for first_copy in ("INVITE", "SIP/2.0 200 OK [in]", "ACK", "BYE", "SIP/2.0 180 Ringing"):
        assert first_copy in lost, f"{first_copy} was never lost: {lost}"
    assert len(wire.sent("ACK")) >= 2, "the retransmitted 200 was acknowledged again"
    counts = far.counts()
    assert counts["2_200_Retrans"] >= 1, "SIPp retransmitted its 200 until our ACK got through"
    assert far.total("_BYE_Recv") == 1 and far.total("_BYE_Retrans") >= 1
    assert far.stats()["FailedCall(C)"] == "0"


# ---- far ends that stop answering ------------------------------------------------------------


def settle(telephony: SipTelephony) -> Callable[[], Awaitable[None]]:
    """Wait (bounded) until no transaction of the endpoint lingers."""

    async def wait() -> None:
        for _ in range(200):
            if not telephony.endpoint.transactions:
                return
            await asyncio.sleep(0.05)

    return wait


def test_silent_far_end_times_out_on_timer_b(tmp_path: Path) -> None:
    with sipp("silent.xml", tmp_path, calls=1) as far:
        telephony, _ = backend(far.trunk_uri, timers=FAST)

        async def work() -> CallResult:
            result = await telephony.place_call(request(number(200)))
            await settle(telephony)()
            return result

        result = run(telephony, work)
        leftovers = (telephony.endpoint.dialogs, telephony.endpoint.transactions)
        far.stop()
    assert (result.outcome, result.reason) == (Outcome.FAILED, "timeout: no response")
    assert far.counts()["0_INVITE_Retrans"] >= 5, "Timer A retransmitted the INVITE"
    assert leftovers == ({}, {})


def test_callee_that_never_sends_487_still_ends(tmp_path: Path) -> None:
    with sipp("cancel_ignored.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, timers=FAST)
        [result] = place(telephony, [request(number(200), ring_s=0.5)])
        far.stop()
    assert (result.outcome, result.reason) == (Outcome.NO_ANSWER, "timeout: no answer to CANCEL")
    assert len(wire.sent("CANCEL")) == 1 and telephony.endpoint.dialogs == {}


def test_bye_without_answer_still_ends_the_dialog(tmp_path: Path) -> None:
    with sipp("deaf_bye.xml", tmp_path, calls=1) as far:
        telephony, _ = backend(far.trunk_uri, timers=FAST)

        async def work() -> CallResult:
            result = await telephony.place_call(request(number(200)))
            await settle(telephony)()
            return result

        result = run(telephony, work)
        leftovers = (telephony.endpoint.dialogs, telephony.endpoint.transactions)
        far.stop()
    assert result.outcome is Outcome.ANSWERED
    assert result.reason == "answered; held 0s and hung up; BYE unanswered (timeout: no response)"
    assert far.total("_BYE_Retrans") >= 3, "Timer E retransmitted the BYE"
    assert leftovers == ({}, {})


# ---- limits and scale ------------------------------------------------------------------------


def first_invites(wire: Wire) -> list[tuple[str, float]]:
    """(Call-ID, time) of each call's first INVITE, as handed to the socket."""
    seen: dict[str, float] = {}
    for direction, message, at in wire.log:
        if direction == "out" and message.method == "INVITE":
            seen.setdefault(message.call_id, at)
    return sorted(seen.items(), key=lambda item: item[1])


def busiest_second(times: list[float]) -> int:
    """The most INVITEs in any window [t, t + 1 s) starting at an INVITE."""
    return max(sum(1 for u in times if t <= u < t + 1.0) for t in times)


def test_calls_per_second_limit_is_exact(tmp_path: Path) -> None:
    calls = 16
    with sipp("callee.xml", tmp_path, calls=calls) as far:
        telephony, wire = backend(far.trunk_uri, cps=5.0, max_calls=100)
        results = place(telephony, [request(number(200, i), f"att-{i}-1") for i in range(calls)])
        far.wait()
    assert {r.outcome for r in results} == {Outcome.ANSWERED}
    times = [at for _, at in first_invites(wire)]
    assert len(times) == calls
    assert busiest_second(times) == 5, "5 cps: never more, and the limit is used"


def ended(response: Message) -> bool:
    """A response that ends a call: to our BYE, or a final non-2xx to the INVITE."""
    method = response.cseq[1] if not response.method else ""
    return method == "BYE" or (method == "INVITE" and response.status >= 300)


def concurrency(wire: Wire) -> int:
    """The most calls in progress on the wire at once: from the first INVITE to the final
    response of a call that was not answered, or the response to the BYE."""
    open_calls: set[str] = set()
    peak = 0
    for direction, message, _ in wire.log:
        if direction == "out" and message.method == "INVITE":
            open_calls.add(message.call_id)
        elif direction == "in" and ended(message):
            open_calls.discard(message.call_id)
        peak = max(peak, len(open_calls))
    return peak


def test_concurrent_call_limit_is_exact(tmp_path: Path) -> None:
    calls = 9
    with sipp("callee.xml", tmp_path, calls=calls) as far:
        telephony, wire = backend(far.trunk_uri, "hangup:0.6", cps=100.0, max_calls=3)
        results = place(telephony, [request(number(200, i), f"att-{i}-1") for i in range(calls)])
        far.wait()
    assert {r.outcome for r in results} == {Outcome.ANSWERED}
    assert concurrency(wire) == 3
    assert telephony.limiters["test"].peak == 3


def test_hundreds_of_dialogs_at_once(tmp_path: Path) -> None:
    calls = 300
    with sipp("callee.xml", tmp_path, calls=calls) as far:
        telephony, wire = backend(far.trunk_uri, "hangup:4", cps=150.0, max_calls=calls)
        peak = [0]
        wire_log = wire.log

        def watch(direction: str, message: Message, peer: Any, at: float) -> None:
            peak[0] = max(peak[0], len(telephony.endpoint.dialogs))

        telephony.endpoint.observers.append(watch)
        results = place(telephony, [request(number(200, i), f"att-{i}-1") for i in range(calls)])
        far.wait()
    assert [r.outcome for r in results] == [Outcome.ANSWERED] * calls
    assert peak[0] >= 200, f"only {peak[0]} dialogs were up at once"
    assert far.total("_BYE_Recv") == calls and far.stats()["FailedCall(C)"] == "0"
    assert len({m.call_id for d, m, _ in wire_log if m.method == "INVITE"}) == calls
    assert telephony.endpoint.dialogs == {}


# ---- hostile input ---------------------------------------------------------------------------


async def attack(port: int, wire: Wire) -> dict[str, Any]:
    """Malformed and stray messages at outdial's UDP and TCP port while a call is up."""
    from tests.test_sip_messages import INVITE, MALFORMED

    loop = asyncio.get_running_loop()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    here = udp.getsockname()[1]
    garbage = [raw for raw in MALFORMED if 0 < len(raw) < 60_000]
    for raw in garbage:
        udp.sendto(raw, ("127.0.0.1", port))
    stray = INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: 7 BYE").replace(b"INVITE sip", b"BYE sip", 1)
    options = stray.replace(b"BYE", b"OPTIONS")
    response = b"SIP/2.0 200 OK" + stray[stray.index(b"\r\n") :]
    for raw in (stray, options, response):
        udp.sendto(
            raw.replace(b"127.0.0.1:5060", f"127.0.0.1:{here}".encode()), ("127.0.0.1", port)
        )
    answers = []
    for _ in range(2):
        data = await asyncio.wait_for(loop.sock_recv(udp, 65535), 10)
        answers.append(data.split(b"\r\n", 1)[0].decode())
    udp.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"NOT SIP AT ALL\r\nContent-Length: 9999999\r\n\r\n")
    closed = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return {"garbage": len(garbage), "answers": sorted(answers), "tcp": closed}


def test_hostile_messages_are_dropped_and_the_call_goes_on(tmp_path: Path) -> None:
    with sipp("callee.xml", tmp_path, calls=1) as far:
        telephony, wire = backend(far.trunk_uri, "hangup:1")

        async def work() -> tuple[CallResult, dict[str, Any]]:
            await telephony.start()
            up = asyncio.Event()
            telephony.endpoint.observers.append(
                lambda d, m, p, at: up.set() if m.method == "ACK" else None
            )
            call = asyncio.create_task(telephony.place_call(request(number(200))))
            await asyncio.wait_for(up.wait(), 30)
            seen = await attack(telephony.endpoint.port, wire)
            return await call, seen

        result, seen = run(telephony, work)
        far.wait()
    assert result.outcome is Outcome.ANSWERED
    assert result.reason == "answered; held 1s and hung up"
    assert telephony.endpoint.dropped >= seen["garbage"]
    assert seen["answers"] == ["SIP/2.0 200 OK", "SIP/2.0 481 Call/Transaction Does Not Exist"]
    assert seen["tcp"] == b"", "an unframeable TCP stream is closed"
    assert telephony.endpoint.dialogs == {}
    assert far.stats()["FailedCall(C)"] == "0"
