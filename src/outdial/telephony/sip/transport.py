"""SIP transports on asyncio: one UDP socket, and TCP connections (outgoing, and incoming on
the same port) framed by Content-Length.

Transports move bytes only. Every datagram or framed TCP message goes to one `Receiver`
callback with its source address; parsing, and dropping what does not parse, happen above.
A TCP stream that cannot be framed is closed (there is no way to find the next message).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

Address = tuple[str, int]
Receiver = Callable[[bytes, Address, "Transport"], None]
MAX_HEAD = 16_384
MAX_BODY = 65_535
MAX_CONNECTIONS = 512
CONNECT_TIMEOUT_S = 5.0
SOCKET_BUFFER = (
    4 * 1024 * 1024
)  # a burst of answers must not overflow the socket (capped by rmem_max)
_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)


class TransportError(Exception):
    """A message could not be sent (connection refused, unreachable, closed)."""


class Transport(ABC):
    """What the endpoint needs from a transport."""

    name = ""
    reliable = False

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.port = 0

    @abstractmethod
    async def send(self, data: bytes, dest: Address) -> None:
        """Send one whole message to `dest` (or raise TransportError)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the socket(s); nothing is sent or received afterwards."""


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpTransport) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.owner.receiver(data, (str(addr[0]), int(addr[1])), self.owner)

    def error_received(self, exc: Exception) -> None:
        log.info("sip udp error", error=str(exc))


class UdpTransport(Transport):
    """One UDP socket for every call; unreliable, so transactions retransmit. Its buffers
    are large: hundreds of calls answered at once arrive as one burst."""

    name = "UDP"

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(receiver)
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self), local_addr=(host, port)
        )
        sock = transport.get_extra_info("socket")
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])

    def send_now(self, data: bytes, dest: Address) -> None:
        """Datagrams never wait: the socket queues what it cannot send at once."""
        if self._transport is None or self._transport.is_closing():
            raise TransportError("UDP socket closed")
        try:
            self._transport.sendto(data, dest)
        except OSError as exc:
            raise TransportError(str(exc)) from exc

    async def send(self, data: bytes, dest: Address) -> None:
        self.send_now(data, dest)

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def read_message(reader: asyncio.StreamReader) -> bytes | None:
    """The next message on a stream (keep-alive CRLFs skipped); None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise TransportError("stream ended inside a message") from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise TransportError("header block too large") from exc
    head = head.lstrip(b"\r\n")
    if not head:
        return b""
    found = _LENGTH.findall(head)
    if len(found) != 1 or int(found[0]) > MAX_BODY:
        raise TransportError("stream message without one usable Content-Length")
    return head + await reader.readexactly(int(found[0]))


class TcpTransport(Transport):
    """Connections per peer address; a connection the far end opened is reused for replies."""

    name = "TCP"
    reliable = True

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(receiver)
        self._server: asyncio.Server | None = None
        self._writers: dict[Address, asyncio.StreamWriter] = {}
        self._readers: set[asyncio.Task[None]] = set()
        self._connecting: dict[Address, asyncio.Lock] = {}

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._accepted, host, port, limit=MAX_HEAD)
        sockets = self._server.sockets
        self.port = int(sockets[0].getsockname()[1]) if sockets else port

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if len(self._writers) >= MAX_CONNECTIONS:
            log.warning("sip tcp connection refused: too many connections", peer=str(peer))
            writer.close()
            return
        await self._serve((str(peer[0]), int(peer[1])), reader, writer)

    async def _serve(
        self, peer: Address, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Read framed messages until the stream ends or cannot be framed."""
        self._writers[peer] = writer
        try:
            while (data := await read_message(reader)) is not None:
                if data:
                    self.receiver(data, peer, self)
        except (TransportError, asyncio.IncompleteReadError, ConnectionError) as exc:
            log.info("sip tcp stream closed", peer=f"{peer[0]}:{peer[1]}", reason=str(exc))
        finally:
            if self._writers.get(peer) is writer:
                del self._writers[peer]
            writer.close()

    async def _connect(self, dest: Address) -> asyncio.StreamWriter:
        lock = self._connecting.setdefault(dest, asyncio.Lock())
        async with lock:
            existing = self._writers.get(dest)
            if existing is not None and not existing.is_closing():
                return existing
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(dest[0], dest[1], limit=MAX_HEAD), CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError) as exc:
                raise TransportError(f"TCP connect to {dest[0]}:{dest[1]} failed: {exc}") from exc
            task = asyncio.create_task(self._serve(dest, reader, writer))
            self._readers.add(task)
            task.add_done_callback(self._readers.discard)
            self._writers[dest] = writer
            return writer

    def write_now(self, data: bytes, dest: Address) -> bool:
        """Write on an open connection without waiting (so messages keep their order);
        False when there is none yet."""
        writer = self._writers.get(dest)
        if writer is None or writer.is_closing():
            return False
        writer.write(data)
        return True

    async def send(self, data: bytes, dest: Address) -> None:
        writer = await self._connect(dest)
        try:
            writer.write(data)
            await writer.drain()
        except (OSError, ConnectionError) as exc:
            raise TransportError(str(exc)) from exc

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers.values()):
            writer.close()
        for task in list(self._readers):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def local_address_towards(dest: Address) -> str:
    """The local IP the kernel would use to reach `dest` (for Via and Contact when bound
    to a wildcard address); no packet is sent."""
    family = socket.AF_INET6 if ":" in dest[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(dest)
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
