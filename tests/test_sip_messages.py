"""The SIP stack's pure parts: parsing untrusted bytes, the grammar, digest answers, the
outcome table, URI templates and the trunk's rate window."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outdial.telephony.base import Outcome
from outdial.telephony.sip import auth
from outdial.telephony.sip import endpoint as endpoint_module
from outdial.telephony.sip.config import (
    OnAnswer,
    TrunkConfig,
    check_flow_uri,
    check_trunk_uri,
    render_flow_uri,
)
from outdial.telephony.sip.endpoint import Endpoint
from outdial.telephony.sip.grammar import GrammarError, NameAddr, Uri, Via, split_commas
from outdial.telephony.sip.limits import RateLimit
from outdial.telephony.sip.message import Message, ParseError, parse, response_to
from outdial.telephony.sip.outcomes import outcome_for, timeout_outcome
from outdial.telephony.sip.transport import Address, Transport, read_message
from tests.sipp import harness

INVITE = (
    b"INVITE sip:+14155550123@127.0.0.1:5070 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport\r\n"
    b"Via: SIP/2.0/TCP [2001:db8::1]:5062;branch=z9hG4bKdef\r\n"
    b"Max-Forwards: 70\r\n"
    b'From: "Caller, Inc" <sip:+14155550100@127.0.0.1>;tag=abc\r\n'
    b"To: <sip:+14155550123@127.0.0.1:5070>\r\n"
    b"Call-ID: 1234@outdial\r\n"
    b"CSeq: 7 INVITE\r\n"
    b"Subject: folded\r\n  across lines\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n"
    b"\r\n"
    b"v=0\r\nTRAILING GARBAGE"
)


def test_a_request_is_read_whole() -> None:
    message = parse(INVITE)
    assert (message.method, message.uri) == ("INVITE", "sip:+14155550123@127.0.0.1:5070")
    assert message.cseq == (7, "INVITE")
    assert message.top_via.branch == "z9hG4bKabc"
    assert Via.parse(message.values("Via")[1]).host == "2001:db8::1"
    assert message.from_addr.display == "Caller, Inc" and message.from_addr.tag == "abc"
    assert message.to_addr.tag == ""
    assert message.get("subject") == "folded across lines"
    assert message.body == b"v=0\r", "the body is cut at Content-Length"


def test_compact_headers_and_lists() -> None:
    raw = (
        b"SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g;branch=x\r\n"
        b"f: <sip:a@h>;tag=1\r\nt: <sip:b@h>;tag=2\r\ni: c1\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n"
    )
    message = parse(raw)
    assert message.status == 180 and message.call_id == "c1"
    assert [Via.parse(v).branch for v in message.values("Via")] == ["z9hG4bK1", "x"]
    assert message.to_addr.tag == "2"


def test_encoding_round_trips() -> None:
    message = parse(INVITE)
    again = parse(message.encode())
    assert again.headers[:-1] == [h for h in message.headers if h[0] != "Content-Length"]
    assert again.body == message.body


MALFORMED = [
    b"",
    b"hello world\r\n\r\n",
    b"INVITE sip:x SIP/3.0\r\n\r\n",
    b"SIP/2.0 99 Too Low\r\nVia: SIP/2.0/UDP h\r\n\r\n",
    b"SIP/2.0 700 Too High\r\n\r\n",
    INVITE.replace(b"Call-ID: 1234@outdial\r\n", b""),
    INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: seven INVITE"),
    INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: 7 BYE"),
    INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: 99999999999 INVITE"),
    INVITE.replace(b"Via: SIP/2.0/UDP 127.0.0.1:5060", b"Via: nonsense"),
    INVITE.replace(b"Via: SIP/2.0/UDP 127.0.0.1:5060", b"Via: SIP/2.0/UDP 127.0.0.1:99999"),
    INVITE.replace(b'"Caller, Inc" <sip', b'"unterminated <sip'),
    INVITE.replace(b"To: <sip:+14155550123@127.0.0.1:5070>", b"To: <sip:x"),
    INVITE.replace(b"Content-Length: 4", b"Content-Length: 400"),
    INVITE.replace(b"Content-Length: 4", b"Content-Length: -1"),
    INVITE.replace(b"Max-Forwards: 70", b"No colon here"),
    INVITE.replace(b"Max-Forwards: 70", b"Bad Name: x"),
    INVITE.replace(b"Subject: folded", b" continuation first\r\nSubject: folded", 1).replace(
        b"INVITE sip:+14155550123@127.0.0.1:5070 SIP/2.0\r\n", b"", 1
    ),
    INVITE.replace(b"Caller", b"\xff\xfe"),
    INVITE.replace(b"\r\n\r\n", b"\r\n"),
    b"INVITE sip:x SIP/2.0\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
    b"INVITE sip:x SIP/2.0\r\n" + b"X" * 70_000 + b"\r\n\r\n",
]


@pytest.mark.parametrize("raw", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_messages_are_refused(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse(raw)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_anything_but_parse_error(raw: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse(raw)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(INVITE) - 1), st.integers(0, 255), st.integers(1, len(INVITE)))
def test_damaged_messages_never_raise_anything_but_parse_error(
    where: int, byte: int, cut: int
) -> None:
    for raw in (INVITE[:where] + bytes([byte]) + INVITE[where + 1 :], INVITE[:cut]):
        try:
            message = parse(raw)
        except ParseError:
            continue
        message.cseq, message.top_via, message.from_addr, message.to_addr  # noqa: B018


def test_responses_copy_the_request() -> None:
    request = parse(INVITE)
    response = response_to(request, 486, "Busy Here", "t1")
    assert response.values("Via") == request.values("Via")
    assert response.to_addr.tag == "t1" and response.cseq == (7, "INVITE")
    assert parse(response.encode()).status == 486


def test_stream_framing() -> None:
    async def frames() -> list[bytes | None]:
        reader = asyncio.StreamReader()
        reader.feed_data(b"\r\n\r\n" + INVITE[: INVITE.index(b"TRAILING")] + INVITE[:20])
        reader.feed_eof()
        out: list[bytes | None] = [await read_message(reader), await read_message(reader)]
        try:
            await read_message(reader)
        except Exception as exc:
            out.append(type(exc).__name__.encode())
        return out

    keepalive, message, error = asyncio.run(frames())
    assert keepalive == b""
    assert message is not None and parse(message).body == b"v=0\r"
    assert error == b"TransportError"


# ---- grammar -----------------------------------------------------------------------------


def test_uris_and_addresses() -> None:
    uri = Uri.parse("sip:+1415@[::1]:5070;transport=TCP;lr")
    assert (uri.user, uri.host, uri.port, uri.transport) == ("+1415", "::1", 5070, "tcp")
    assert Uri.parse("sips:h").address() == ("h", 5061)
    assert NameAddr.parse("sip:a@h;tag=9").tag == "9"
    assert NameAddr.parse('"A \\"B\\"" <sip:a@h>').display == 'A "B"'
    assert split_commas('"a, b" <sip:x>, <sip:y;p=1,2>') == ['"a, b" <sip:x>', "<sip:y;p=1,2>"]
    for bad in ("http://x", "sip:", "sip:a@h:0", "sip:a@h:70000", "sip:a b@h"):
        with pytest.raises(GrammarError):
            Uri.parse(bad)


# ---- digest ------------------------------------------------------------------------------


def test_digest_answer_matches_rfc_2617() -> None:
    """RFC 2617 §3.5: Mufasa, "Circle Of Life"."""
    challenge = auth.Challenge.parse(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    value = auth.answer(
        challenge,
        auth.Credentials("Mufasa", "Circle Of Life"),
        "GET",
        "/dir/index.html",
        cnonce="0a4f113b",
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert "qop=auth," in value and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in value


def test_digest_without_qop_and_with_sha256() -> None:
    plain = auth.Challenge.parse('Digest realm="r", nonce="n"')
    assert "qop" not in auth.answer(plain, auth.Credentials("u", "p"), "INVITE", "sip:x")
    sha = auth.Challenge.parse('Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"')
    assert "algorithm=SHA-256" in auth.answer(sha, auth.Credentials("u", "p"), "BYE", "sip:x")
    for bad in ('Basic realm="r"', 'Digest realm="r"', 'Digest nonce="n", algorithm=MD7'):
        with pytest.raises(GrammarError):
            auth.Challenge.parse(bad)


# ---- outcomes and configuration ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cancelled", "outcome"),
    [
        (200, False, Outcome.ANSWERED), (202, False, Outcome.ANSWERED),
        (486, False, Outcome.BUSY), (600, False, Outcome.BUSY),
        (408, False, Outcome.NO_ANSWER), (480, False, Outcome.NO_ANSWER),
        (487, True, Outcome.NO_ANSWER), (487, False, Outcome.FAILED),
        (404, False, Outcome.INVALID), (484, False, Outcome.INVALID),
        (604, False, Outcome.INVALID),
        (403, False, Outcome.FAILED), (503, False, Outcome.FAILED), (500, False, Outcome.FAILED),
        (302, False, Outcome.FAILED), (401, False, Outcome.FAILED), (603, False, Outcome.FAILED),
    ],
)  # fmt: skip
def test_outcome_table(status: int, cancelled: bool, outcome: Outcome) -> None:
    assert outcome_for(status, cancelled) is outcome


def test_no_response_at_all() -> None:
    assert timeout_outcome(cancelled=False) is Outcome.FAILED
    assert timeout_outcome(cancelled=True) is Outcome.NO_ANSWER


def test_uri_templates() -> None:
    trunk = TrunkConfig("k", "sip:{number}@pbx.example:5070;user=phone")
    assert trunk.request_uri("+1 (415) 555-0123") == "sip:+14155550123@pbx.example:5070;user=phone"
    assert TrunkConfig("k", "sip:9{digits}@h").request_uri("+4420") == "sip:94420@h"
    assert check_trunk_uri("sip:{number}@127.0.0.1:5070") is None
    assert "{number}" in (check_trunk_uri("sip:fixed@h") or "")
    assert "unknown field {nuber}" in (check_trunk_uri("sip:{number}{nuber}@h") or "")
    assert "TLS" in (check_trunk_uri("sips:{number}@h") or "")
    assert "transport" in (check_trunk_uri("sip:{number}@h;transport=sctp") or "")
    assert render_flow_uri("sip:{flowName}@ivr", "cf-1", "Renewal flow") == (
        "sip:Renewal%20flow@ivr"
    )
    assert check_flow_uri("sip:{flow}@ivr.example") is None
    assert check_flow_uri("tel:+1415") is not None


def test_on_answer_setting() -> None:
    assert OnAnswer.parse("refer") == OnAnswer("refer", 0.0)
    assert OnAnswer.parse("hangup:2.5") == OnAnswer("hangup", 2.5)
    for bad in ("hangup", "hangup:-1", "transfer", "hangup:x"):
        with pytest.raises(ValueError, match="expected refer or hangup"):
            OnAnswer.parse(bad)


def test_rate_window_shape() -> None:
    assert (RateLimit(5).window, RateLimit(5).limit) == (1.0, 5)
    assert (RateLimit(2.7).window, RateLimit(2.7).limit) == (1.0, 2)
    assert (RateLimit(0.5).window, RateLimit(0.5).limit) == (2.0, 1)
    with pytest.raises(ValueError):
        RateLimit(0)


def test_message_helpers() -> None:
    message = Message(method="BYE", uri="sip:x")
    message.add("call-id", "a")
    message.set("Call-ID", "b")
    assert message.headers == [("Call-ID", "b")] and message.call_id == "b"
    with pytest.raises(ParseError):
        message.cseq  # noqa: B018


# ---- the endpoint drops what it cannot act on ------------------------------------------------


class Recorder:
    """Stands in for the endpoint's structlog logger."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        return lambda event, **fields: self.lines.append((level, event, fields))


class FakeTransport(Transport):
    name = "UDP"

    def __init__(self) -> None:
        super().__init__(lambda data, source, transport: None)
        self.sent: list[bytes] = []

    async def send(self, data: bytes, dest: Address) -> None:
        self.sent.append(data)

    async def close(self) -> None:
        return None


class Exploding:
    """A dialog whose handlers raise, as a bug would."""

    def on_request(self, request: Message) -> Message:
        raise RuntimeError("bug")

    def on_ack(self, request: Message) -> None:
        raise RuntimeError("bug")


def test_endpoint_drops_malformed_messages_with_a_log_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(endpoint_module, "log", recorder)

    async def feed() -> tuple[Endpoint, FakeTransport]:
        endpoint, transport = Endpoint("127.0.0.1", 0), FakeTransport()
        for raw in MALFORMED:
            endpoint.receive(raw, ("192.0.2.7", 5060), transport)
        await asyncio.sleep(0)
        return endpoint, transport

    endpoint, transport = asyncio.run(feed())
    garbage = [raw for raw in MALFORMED if raw.strip()]
    dropped = [fields for level, event, fields in recorder.lines if event == "sip message dropped"]
    assert endpoint.dropped == len(garbage) == len(dropped)
    assert all(f["source"] == "192.0.2.7:5060" and f["reason"] for f in dropped)
    assert {level for level, event, _ in recorder.lines if event == "sip message dropped"} == {
        "warning"
    }
    assert transport.sent == [], "nothing is answered"
    assert endpoint.dialogs == {} and endpoint.transactions == {}


def test_a_handler_that_raises_is_logged_and_the_message_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(endpoint_module, "log", recorder)
    bye = parse(
        INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: 8 BYE")
        .replace(b"INVITE sip", b"BYE sip", 1)
        .replace(b"5070>\r\n", b"5070>;tag=ours\r\n", 1)
    )

    async def feed() -> Endpoint:
        endpoint = Endpoint("127.0.0.1", 0)
        endpoint.dialogs[(bye.call_id, "ours")] = Exploding()
        endpoint.receive(bye.encode(), ("192.0.2.7", 5060), FakeTransport())
        return endpoint

    endpoint = asyncio.run(feed())
    assert endpoint.dropped == 1
    assert [(lvl, ev) for lvl, ev, _ in recorder.lines] == [
        ("exception", "sip message handling failed")
    ]


def test_sipp_missing_skips_but_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    monkeypatch.setattr(harness, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        harness.require_sipp()
    monkeypatch.setattr(harness, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="sip-tester"):
        harness.require_sipp()
