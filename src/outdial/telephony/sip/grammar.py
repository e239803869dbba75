"""The pieces of SIP grammar outdial reads: URIs, name-addrs, Via values, parameters and
comma-separated header lists (RFC 3261 §25).

Every parser raises `GrammarError` (a `ValueError`) on input it cannot read, so a hostile
header is refused in one place and never half-understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
_URI = re.compile(
    r"^(?P<scheme>sips?):(?:(?P<user>[^@]*)@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)"
    r"(?::(?P<port>\d{1,5}))?(?P<params>(?:;[^?]*)?)(?:\?(?P<headers>.*))?$"
)
_VIA = re.compile(
    r"^SIP\s*/\s*2\.0\s*/\s*(?P<transport>[A-Za-z]+)\s+"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>\d{1,5}))?\s*(?P<params>;.*)?$"
)


class GrammarError(ValueError):
    """A header value that does not follow the SIP grammar."""


def _split_top(value: str, separator: str) -> list[str]:
    """Split on `separator` outside quoted strings and <...> brackets."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angle = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "<>":
            angle = char == "<"
        elif not quoted and not angle and char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise GrammarError("unterminated quoted string")
    parts.append("".join(current))
    return parts


def split_commas(value: str) -> list[str]:
    """The elements of a comma-separated header value (`Via: a, b`), empty ones dropped."""
    return [part.strip() for part in _split_top(value, ",") if part.strip()]


def parse_params(text: str) -> dict[str, str]:
    """`;a=b;c;d="x y"` as {a: b, c: "", d: x y}; names are lower-cased."""
    params: dict[str, str] = {}
    for item in _split_top(text, ";"):
        item = item.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip().lower()
        if not TOKEN.match(name):
            raise GrammarError(f"bad parameter name {name!r}")
        params[name] = unquote(value.strip())
    return params


def _port(digits: str | None, text: str) -> int | None:
    """A port number in 1-65535, or None when absent."""
    if not digits:
        return None
    port = int(digits)
    if not 0 < port < 65536:
        raise GrammarError(f"bad port in {text[:80]!r}")
    return port


def unquote(value: str) -> str:
    """A quoted-string's content (escapes removed); other values unchanged."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def quote(value: str) -> str:
    """`value` as a quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Uri:
    """A sip: or sips: URI, split into what routing needs; `raw` is kept verbatim."""

    raw: str
    scheme: str
    user: str
    host: str
    port: int | None
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Uri:
        match = _URI.match(text.strip())
        if match is None or any(c.isspace() for c in text.strip()):
            raise GrammarError(f"not a SIP URI: {text[:80]!r}")
        port = _port(match["port"], text)
        host = match["host"].strip("[]")
        params = parse_params(match["params"] or "")
        return cls(text.strip(), match["scheme"].lower(), match["user"] or "", host, port, params)

    @property
    def transport(self) -> str:
        """The transport the URI asks for (UDP unless it says otherwise)."""
        return self.params.get("transport", "udp").lower()

    def address(self) -> tuple[str, int]:
        """Host and port to send to (RFC 3263 without DNS SRV: the URI's port or 5060)."""
        return self.host, self.port or (5061 if self.scheme == "sips" else 5060)


@dataclass(frozen=True)
class NameAddr:
    """`"Display" <uri>;params` or a bare `uri;params` (From, To, Contact, Refer-To)."""

    display: str
    uri: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str) -> NameAddr:
        value = value.strip()
        parts = _split_top(value, ";")
        head, rest = parts[0].strip(), ";".join(parts[1:])
        if "<" in head:
            display, _, inner = head.partition("<")
            uri, closed, tail = inner.partition(">")
            if not closed or tail.strip():
                raise GrammarError(f"bad name-addr {value[:80]!r}")
            return cls(unquote(display.strip()), uri.strip(), parse_params(rest))
        if not head:
            raise GrammarError("empty address")
        return cls("", head, parse_params(rest))

    @property
    def tag(self) -> str:
        return self.params.get("tag", "")

    def render(self, **params: str) -> str:
        """The address in name-addr form with its parameters (updated by `params`)."""
        merged = {**self.params, **params}
        text = f"{quote(self.display)} <{self.uri}>" if self.display else f"<{self.uri}>"
        return text + "".join(f";{k}={v}" if v else f";{k}" for k, v in merged.items())


@dataclass(frozen=True)
class Via:
    """One Via value: the transport, the sent-by address and the parameters (branch...)."""

    transport: str
    host: str
    port: int | None
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str) -> Via:
        match = _VIA.match(value.strip())
        if match is None:
            raise GrammarError(f"bad Via {value[:80]!r}")
        port = _port(match["port"], value)
        params = parse_params(match["params"] or "")
        return cls(match["transport"].upper(), match["host"].strip("[]"), port, params)

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")
