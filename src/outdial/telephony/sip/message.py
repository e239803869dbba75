"""SIP messages: parsing untrusted bytes, building and encoding requests and responses.

`parse` accepts only what it can fully read: a request or status line, well-formed headers
(compact forms expanded, folded lines joined), the five headers every message must carry
(Via, From, To, Call-ID, CSeq) in a readable form, and a body no shorter than its
Content-Length. Anything else raises `ParseError`, which the endpoint logs and drops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from outdial.telephony.sip.grammar import TOKEN, GrammarError, NameAddr, Via, split_commas

MAX_MESSAGE = 65_535
MAX_HEADERS = 128
MAX_CSEQ = 2**31 - 1
COMPACT = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To",
    "v": "Via", "r": "Refer-To", "b": "Referred-By", "o": "Event", "u": "Allow-Events",
    "x": "Session-Expires",
}  # fmt: skip
KNOWN = (
    "Via", "Max-Forwards", "Route", "Record-Route", "From", "To", "Call-ID", "CSeq",
    "Contact", "Allow", "Supported", "User-Agent", "Server", "Content-Type", "Content-Length",
    "WWW-Authenticate", "Proxy-Authenticate", "Authorization", "Proxy-Authorization",
    "P-Asserted-Identity", "Refer-To", "Referred-By", "Event", "Subscription-State", "Reason",
    "Allow-Events", "Session-Expires", "Retry-After", "Warning", "Accept", "Require",
)  # fmt: skip
CANONICAL = {name.lower(): name for name in KNOWN} | {"cseq": "CSeq", "call-id": "Call-ID"}
LIST_HEADERS = frozenset({"via", "route", "record-route", "contact", "allow", "supported"})
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.*)$")
_REQUEST_LINE = re.compile(r"^([A-Za-z]+) (\S+) SIP/2\.0$")
_CSEQ = re.compile(r"^(\d{1,10})\s+([A-Za-z]+)$")


class ParseError(ValueError):
    """Bytes that are not a SIP message outdial can act on."""


def canonical(name: str) -> str:
    """The usual spelling of a header name (compact forms expanded)."""
    lowered = name.lower()
    if lowered in COMPACT:
        return COMPACT[lowered]
    return CANONICAL.get(lowered) or "-".join(p.capitalize() for p in lowered.split("-"))


@dataclass
class Message:
    """A request (`method`, `uri`) or a response (`status`, `reason`), its headers in order
    and its body."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return bool(self.method)

    def get(self, name: str) -> str | None:
        """The first value of a header, or None."""
        wanted = canonical(name)
        return next((v for n, v in self.headers if n == wanted), None)

    def values(self, name: str) -> list[str]:
        """Every value of a header, list headers split at their commas."""
        wanted = canonical(name)
        found = [v for n, v in self.headers if n == wanted]
        if wanted.lower() in LIST_HEADERS:
            return [item for v in found for item in split_commas(v)]
        return found

    def add(self, name: str, value: str) -> None:
        self.headers.append((canonical(name), value))

    def set(self, name: str, value: str) -> None:
        """Replace every value of a header with one value."""
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        wanted = canonical(name)
        self.headers = [(n, v) for n, v in self.headers if n != wanted]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        """CSeq number and method (validated by `parse` for received messages)."""
        match = _CSEQ.match((self.get("CSeq") or "").strip())
        if match is None:
            raise ParseError("bad CSeq")
        return int(match[1]), match[2].upper()

    @property
    def top_via(self) -> Via:
        vias = self.values("Via")
        if not vias:
            raise ParseError("no Via")
        return Via.parse(vias[0])

    @property
    def from_addr(self) -> NameAddr:
        return NameAddr.parse(self.get("From") or "")

    @property
    def to_addr(self) -> NameAddr:
        return NameAddr.parse(self.get("To") or "")

    def first_line(self) -> str:
        if self.is_request:
            return f"{self.method} {self.uri} SIP/2.0"
        return f"SIP/2.0 {self.status} {self.reason}"

    def encode(self) -> bytes:
        """Wire form; Content-Length always reflects the body."""
        lines = [self.first_line()]
        lines += [f"{n}: {v}" for n, v in self.headers if n != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body

    def summary(self) -> str:
        """A one-line description for logs."""
        return f"{self.first_line()} (Call-ID {self.call_id[:64]})"


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = data.find(separator)
        if index >= 0:
            return data[:index], data[index + len(separator) :]
    raise ParseError("no end of headers")


def _header_lines(head: str) -> list[str]:
    """Header lines with folded continuation lines joined (RFC 3261 §7.3.1)."""
    lines: list[str] = []
    for line in re.split(r"\r?\n", head):
        if line[:1] in (" ", "\t"):
            if not lines:
                raise ParseError("continuation before the first header")
            lines[-1] += " " + line.strip()
        elif line:
            lines.append(line)
    if len(lines) > MAX_HEADERS:
        raise ParseError("too many headers")
    return lines


def _start(line: str) -> Message:
    status = _STATUS_LINE.match(line)
    if status:
        return Message(status=int(status[1]), reason=status[2].strip())
    request = _REQUEST_LINE.match(line)
    if request and TOKEN.match(request[1]):
        return Message(method=request[1].upper(), uri=request[2])
    raise ParseError(f"bad start line {line[:80]!r}")


def _headers(message: Message, lines: list[str]) -> None:
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not TOKEN.match(name):
            raise ParseError(f"bad header line {line[:80]!r}")
        message.add(name, value.strip())


def _body(message: Message, rest: bytes) -> bytes:
    declared = message.get("Content-Length")
    if declared is None:
        return rest
    if not declared.strip().isdigit():
        raise ParseError("bad Content-Length")
    length = int(declared)
    if length > len(rest):
        raise ParseError("body shorter than Content-Length")
    return rest[:length]


def _validate(message: Message) -> None:
    """The headers every message must carry, in forms outdial can act on."""
    for name in REQUIRED:
        if not (message.get(name) or "").strip():
            raise ParseError(f"missing {name}")
    number, method = message.cseq
    if number > MAX_CSEQ:
        raise ParseError("CSeq out of range")
    if message.is_request and method != message.method:
        raise ParseError("CSeq method differs from the request method")
    try:
        message.top_via, message.from_addr, message.to_addr  # noqa: B018 - parse to check
    except GrammarError as exc:
        raise ParseError(str(exc)) from exc


def parse(data: bytes) -> Message:
    """A message from bytes off the wire; raises `ParseError` for anything malformed."""
    if len(data) > MAX_MESSAGE:
        raise ParseError("message too large")
    head, rest = _split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("headers are not UTF-8") from exc
    lines = _header_lines(text)
    if not lines:
        raise ParseError("empty message")
    message = _start(lines[0])
    _headers(message, lines[1:])
    message.body = _body(message, rest)
    _validate(message)
    return message


def response_to(request: Message, status: int, reason: str, to_tag: str = "") -> Message:
    """A response copying the request's Via, From, To (tagged), Call-ID and CSeq."""
    response = Message(status=status, reason=reason)
    for via in request.values("Via"):
        response.add("Via", via)
    response.add("From", request.get("From") or "")
    to = request.get("To") or ""
    if to_tag and not request.to_addr.tag:
        to = f"{to};tag={to_tag}"
    response.add("To", to)
    response.add("Call-ID", request.call_id)
    response.add("CSeq", request.get("CSeq") or "")
    return response
