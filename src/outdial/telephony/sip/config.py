"""What the SIP backend is configured with: trunks, the answer plan, flow URIs, the socket.

A trunk's URI is a template: `{number}` becomes the E.164 number (with its `+`), `{digits}`
the same without the `+`. A flow URI template takes `{flow}` (the flow's `cf-` id) and
`{flowName}` (its name, percent-encoded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from outdial.telephony.sip.auth import Credentials
from outdial.telephony.sip.grammar import GrammarError, Uri
from outdial.telephony.sip.transaction import Timers

NUMBER_FIELDS = ("{number}", "{digits}")
FLOW_FIELDS = ("{flow}", "{flowName}")
SAMPLE_NUMBER = "+15550100"
_ON_ANSWER = re.compile(r"^(refer|hangup:(\d+(?:\.\d+)?))$")
_BRACES = re.compile(r"\{[^}]*\}")
SETTINGS_TRUNK = "settings"


def _leftover(template: str, fields: tuple[str, ...]) -> str | None:
    """A `{...}` field the template uses but does not support."""
    return next((f for f in _BRACES.findall(template) if f not in fields), None)


def check_sip_uri(uri: str) -> str | None:
    """Why `uri` cannot be sent to (None when it can): sip: URIs only (no TLS)."""
    try:
        parsed = Uri.parse(uri)
    except GrammarError:
        return f"{uri!r} is not a SIP URI (sip:user@host[:port])"
    if parsed.scheme != "sip":
        return "only sip: URIs are supported (outdial has no TLS transport)"
    if parsed.transport not in ("udp", "tcp"):
        return f"transport {parsed.transport!r} is not supported (udp or tcp)"
    return None


def check_trunk_uri(template: str) -> str | None:
    """Why a trunk URI template is unusable, or None."""
    if not any(f in template for f in NUMBER_FIELDS):
        return "must contain {number} or {digits} where the dialed number goes"
    unknown = _leftover(template, NUMBER_FIELDS)
    if unknown:
        return f"unknown field {unknown} (use {{number}} or {{digits}})"
    return check_sip_uri(_fill_number(template, SAMPLE_NUMBER))


def check_flow_uri(template: str) -> str | None:
    """Why a flow URI (or template) is unusable, or None."""
    unknown = _leftover(template, FLOW_FIELDS)
    if unknown:
        return f"unknown field {unknown} (use {{flow}} or {{flowName}})"
    return check_sip_uri(render_flow_uri(template, "cf-sample", "Sample"))


def _fill_number(template: str, number: str) -> str:
    digits = re.sub(r"[^0-9]", "", number)
    plus = "+" + digits if number.strip().startswith("+") else digits
    return template.replace("{number}", plus).replace("{digits}", digits)


def render_flow_uri(template: str, flow_id: str, flow_name: str) -> str:
    """A flow's SIP URI from a template."""
    name = quote(flow_name, safe="-_.!~*'()")
    return template.replace("{flow}", quote(flow_id, safe="-")).replace("{flowName}", name)


@dataclass(frozen=True)
class TrunkConfig:
    """Where calls go and the limits of that route; `key` identifies its limiter."""

    key: str
    uri: str
    transport: Literal["udp", "tcp"] = "udp"
    username: str = ""
    password: str = ""
    cps: float = 10.0
    max_calls: int = 100

    def request_uri(self, number: str) -> str:
        return _fill_number(self.uri, number)

    @property
    def credentials(self) -> Credentials | None:
        if not self.username:
            return None
        return Credentials(self.username, self.password)

    def limits(self) -> tuple[float, int]:
        return self.cps, self.max_calls


@dataclass(frozen=True)
class OnAnswer:
    """`refer`: blind-transfer to the flow; `hangup:N`: hold N seconds, then hang up."""

    mode: Literal["refer", "hangup"] = "refer"
    seconds: float = 0.0

    @classmethod
    def parse(cls, text: str) -> OnAnswer:
        match = _ON_ANSWER.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r}: expected refer or hangup:SECONDS")
        if match[1] == "refer":
            return cls("refer")
        return cls("hangup", float(match[2]))


@dataclass(frozen=True)
class SipConfig:
    """The backend's process-wide settings; per-account trunks come from a directory."""

    bind_host: str = "127.0.0.1"
    bind_port: int = 5060
    on_answer: OnAnswer = field(default_factory=OnAnswer)
    flow_uri: str = ""
    trunk: TrunkConfig | None = None
    timers: Timers = field(default_factory=Timers)
