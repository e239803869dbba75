"""The SIP endpoint: transports, matching, and the rules for what comes in.

Every received message is parsed here; what does not parse is logged and dropped. Responses
go to the client transaction with their branch and method; anything else is dropped. Requests
go to the dialog they name (Call-ID and our tag); a retransmitted request gets the response it
had already received; requests for no dialog of ours answer 481 (OPTIONS pings answer 200).
Nothing a peer sends can raise out of `receive`, and nothing it sends creates state outdial
would have to clean up: server-side state is a response cache that expires by itself.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import structlog

from outdial import __version__
from outdial.telephony.sip.grammar import Uri
from outdial.telephony.sip.message import Message, ParseError, parse, response_to
from outdial.telephony.sip.transaction import ClientTransaction, Timers
from outdial.telephony.sip.transport import (
    Address,
    TcpTransport,
    Transport,
    TransportError,
    UdpTransport,
    local_address_towards,
)

log = structlog.get_logger(__name__)
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, UPDATE, INFO"
USER_AGENT = f"outdial/{__version__}"
WILDCARDS = ("", "0.0.0.0", "::")
MAX_CACHED = 20_000
PORT_DRAWS = 20  # with port 0: tries to find one port free for UDP and TCP alike
RESOLVE_TTL_S = 60.0
Observer = Callable[[str, Message, Address, float], None]


class DialogUser(Protocol):
    """Whoever owns a dialog: answers its requests, and sees ACKs for its 2xx answers."""

    def on_request(self, request: Message) -> Message: ...

    def on_ack(self, request: Message) -> None: ...


def hostport(host: str, port: int) -> str:
    """`host:port`, IPv6 hosts in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Endpoint:
    """One SIP endpoint per process: a UDP socket and a TCP listener on one port."""

    def __init__(self, host: str, port: int, timers: Timers | None = None) -> None:
        self.host = host
        self.port = port
        self.timers = timers or Timers()
        self.transports: dict[str, Transport] = {}
        self.transactions: dict[tuple[str, str], ClientTransaction] = {}
        self.dialogs: dict[tuple[str, str], DialogUser] = {}
        self.observers: list[Observer] = []
        self._answered: dict[tuple[str, str, str], bytes] = {}
        self._advertised: dict[str, str] = {}
        self._resolved: dict[str, tuple[str, float]] = {}
        self.dropped = 0

    async def start(self, names: Iterable[str]) -> None:
        """Open the transports named (`udp`, `tcp`) on the configured address and port; with
        port 0 the first transport picks a free port and the others share it. A port free for
        UDP may be taken for TCP (an outgoing connection's ephemeral port, such as the
        database's), so with port 0 a clash means drawing another port, not failing."""
        wanted = sorted(set(names), key=lambda n: n != "udp")
        any_port = self.port == 0
        for _ in range(PORT_DRAWS if any_port else 1):
            try:
                await self._open(wanted)
                break
            except OSError as exc:
                await self.close()
                if not any_port or exc.errno != errno.EADDRINUSE:
                    raise
                self.port = 0
        else:
            raise OSError(errno.EADDRINUSE, f"no port free for {wanted} after {PORT_DRAWS} draws")
        log.info("sip endpoint listening", host=self.host, port=self.port, transports=wanted)

    async def _open(self, names: list[str]) -> None:
        for name in names:
            transport: UdpTransport | TcpTransport = (
                UdpTransport(self.receive) if name == "udp" else TcpTransport(self.receive)
            )
            await transport.start(self.host, self.port)
            self.port = transport.port
            self.transports[name] = transport

    def transport(self, name: str) -> Transport:
        try:
            return self.transports[name]
        except KeyError:
            raise TransportError(f"transport {name} is not open") from None

    async def close(self) -> None:
        for transport in self.transports.values():
            await transport.close()
        self.transports.clear()

    # ---- identifiers and addresses --------------------------------------------------------

    @staticmethod
    def branch() -> str:
        return "z9hG4bK" + secrets.token_hex(10)

    @staticmethod
    def tag() -> str:
        return secrets.token_hex(6)

    def call_id(self) -> str:
        return f"{secrets.token_hex(12)}@outdial"

    def advertised_host(self, dest: Address) -> str:
        """The address the far end can reach us at: the bind address, or when bound to a
        wildcard, the local address the kernel routes towards `dest` from."""
        if self.host not in WILDCARDS:
            return self.host
        if dest[0] not in self._advertised:
            self._advertised[dest[0]] = local_address_towards(dest)
        return self._advertised[dest[0]]

    async def resolve(self, uri: Uri) -> Address:
        """The address a URI's host names (A/AAAA lookup, kept a minute; no SRV)."""
        host, port = uri.address()
        if _is_ip(host):
            return host, port
        now = time.monotonic()
        cached = self._resolved.get(host)
        if cached is None or cached[1] < now:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            except OSError as exc:
                raise TransportError(f"cannot resolve {host}: {exc}") from exc
            cached = (str(infos[0][4][0]), now + RESOLVE_TTL_S)
            self._resolved[host] = cached
        return cached[0], port

    def via(self, transport: Transport, dest: Address) -> str:
        sent_by = hostport(self.advertised_host(dest), self.port)
        return f"SIP/2.0/{transport.name} {sent_by};branch={self.branch()};rport"

    def contact(self, transport: Transport, dest: Address) -> str:
        where = hostport(self.advertised_host(dest), self.port)
        return f"<sip:outdial@{where};transport={transport.name.lower()}>"

    # ---- sending ----------------------------------------------------------------------------

    def _observe(self, direction: str, message: Message, peer: Address) -> float:
        """Show a message to the observers (tests, tracing); returns the loop time."""
        at = asyncio.get_running_loop().time()
        for observer in self.observers:
            observer(direction, message, peer, at)
        return at

    async def transmit(
        self, data: bytes, dest: Address, transport: Transport, message: Message
    ) -> float:
        """Send a new message (not a retransmission); returns the loop time it was handed to
        the transport. Raises TransportError."""
        at = self._observe("out", message, dest)
        await transport.send(data, dest)
        return at

    def post(self, data: bytes, dest: Address, transport: Transport) -> None:
        """Send without waiting (retransmissions, ACKs, responses), in order with what is
        sent next; failures are logged."""
        if isinstance(transport, UdpTransport):
            try:
                transport.send_now(data, dest)
            except TransportError as exc:
                log.info("sip send failed", dest=hostport(*dest), error=str(exc))
            return
        if isinstance(transport, TcpTransport) and transport.write_now(data, dest):
            return
        task = asyncio.ensure_future(transport.send(data, dest))
        task.add_done_callback(_log_send_failure)

    def send_message(self, message: Message, dest: Address, transport: Transport) -> None:
        """Send a message nobody waits on (an ACK) without waiting, observed."""
        self._observe("out", message, dest)
        self.post(message.encode(), dest, transport)

    # ---- client transactions ----------------------------------------------------------------

    def register(self, transaction: ClientTransaction) -> None:
        self.transactions[transaction.key] = transaction

    def unregister(self, transaction: ClientTransaction) -> None:
        if self.transactions.get(transaction.key) is transaction:
            del self.transactions[transaction.key]

    def ack_for_failure(self, invite: Message, response: Message) -> Message:
        """The ACK for a non-2xx final response: part of the INVITE transaction (same branch,
        same Request-URI, the response's To)."""
        ack = Message(method="ACK", uri=invite.uri)
        ack.add("Via", invite.values("Via")[0])
        for route in invite.values("Route"):
            ack.add("Route", route)
        ack.add("Max-Forwards", "70")
        ack.add("From", invite.get("From") or "")
        ack.add("To", response.get("To") or "")
        ack.add("Call-ID", invite.call_id)
        ack.add("CSeq", f"{invite.cseq[0]} ACK")
        return ack

    # ---- receiving --------------------------------------------------------------------------

    def receive(self, data: bytes, source: Address, transport: Transport) -> None:
        """Everything a transport receives; never raises."""
        if not data.strip():
            return
        try:
            message = parse(data)
        except ParseError as exc:
            self.dropped += 1
            log.warning("sip message dropped", source=hostport(*source), reason=str(exc))
            return
        self._observe("in", message, source)
        try:
            if message.is_request:
                self._on_request(message, source, transport)
            else:
                self._on_response(message)
        except Exception:
            self.dropped += 1
            log.exception("sip message handling failed", message=message.summary())

    def _on_response(self, response: Message) -> None:
        transaction = self.transactions.get((response.top_via.branch, response.cseq[1]))
        if transaction is None:
            log.debug("sip response matches no transaction", message=response.summary())
            return
        transaction.on_response(response)

    def _on_request(self, request: Message, source: Address, transport: Transport) -> None:
        if request.method == "ACK":
            user = self.dialogs.get((request.call_id, request.to_addr.tag))
            if user is not None:
                user.on_ack(request)
            return
        key = (request.top_via.branch, request.method, request.call_id)
        cached = self._answered.get(key)
        if cached is not None:
            self.post(cached, source, transport)
            return
        self.reply(request, self._answer(request), source, transport)

    def _answer(self, request: Message) -> Message:
        user = self.dialogs.get((request.call_id, request.to_addr.tag))
        if user is not None:
            return user.on_request(request)
        if request.method == "OPTIONS":
            response = response_to(request, 200, "OK", self.tag())
            response.add("Allow", ALLOW)
            return response
        if request.method == "INVITE" and not request.to_addr.tag:
            return response_to(request, 403, "Forbidden (outdial does not take calls)", self.tag())
        return response_to(request, 481, "Call/Transaction Does Not Exist", self.tag())

    def reply(
        self, request: Message, response: Message, source: Address, transport: Transport
    ) -> None:
        """Send `response` to where `request` came from, and keep it for 64*T1 to answer
        retransmissions of the request."""
        response.add("Server", USER_AGENT)
        data = response.encode()
        key = (request.top_via.branch, request.method, request.call_id)
        if not transport.reliable and len(self._answered) < MAX_CACHED:
            self._answered[key] = data
            asyncio.get_running_loop().call_later(self.timers.b, self._answered.pop, key, None)
        self._observe("out", response, source)
        self.post(data, source, transport)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _log_send_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.info("sip send failed", error=str(task.exception()))
