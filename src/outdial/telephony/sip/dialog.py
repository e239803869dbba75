"""A dialog as the caller sees it (RFC 3261 §12): identifiers, the remote target, the route
set, and how requests inside it are built and where they are sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from outdial.telephony.sip.endpoint import Endpoint
from outdial.telephony.sip.grammar import GrammarError, NameAddr, Uri
from outdial.telephony.sip.message import Message
from outdial.telephony.sip.transport import Transport


def remote_target(response: Message, fallback: str) -> str:
    """The URI in the response's Contact, or `fallback` when it has none we can use."""
    for value in response.values("Contact"):
        try:
            uri = NameAddr.parse(value).uri
            Uri.parse(uri)
            return uri
        except GrammarError:
            continue
    return fallback


@dataclass
class Dialog:
    """Established by a 2xx to our INVITE; owns the local CSeq for requests inside it."""

    call_id: str
    local: str
    remote: str
    local_tag: str
    remote_tag: str
    target: str
    transport: Transport
    cseq: int
    route_set: list[str] = field(default_factory=list)
    remote_cseq: int = -1

    @classmethod
    def from_answer(cls, invite: Message, response: Message, transport: Transport) -> Dialog:
        return cls(
            call_id=invite.call_id,
            local=invite.get("From") or "",
            remote=response.get("To") or "",
            local_tag=invite.from_addr.tag,
            remote_tag=response.to_addr.tag,
            target=remote_target(response, invite.uri),
            transport=transport,
            cseq=invite.cseq[0],
            route_set=list(reversed(response.values("Record-Route"))),
        )

    def next_hop(self) -> Uri:
        """Where requests go: the first route (loose routing) or the remote target."""
        if self.route_set:
            try:
                return Uri.parse(NameAddr.parse(self.route_set[0]).uri)
            except GrammarError:
                pass
        return Uri.parse(self.target)

    def request(
        self, endpoint: Endpoint, method: str, dest: tuple[str, int], cseq: int | None = None
    ) -> Message:
        """A new request inside the dialog; `cseq` reuses a number (ACK for a 2xx)."""
        if cseq is None:
            self.cseq += 1
        message = Message(method=method, uri=self.target)
        message.add("Via", endpoint.via(self.transport, dest))
        message.add("Max-Forwards", "70")
        for route in self.route_set:
            message.add("Route", route)
        message.add("From", self.local)
        message.add("To", self.remote)
        message.add("Call-ID", self.call_id)
        message.add("CSeq", f"{cseq if cseq is not None else self.cseq} {method}")
        return message
