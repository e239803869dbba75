"""Each call's SIP route, read from the database for the SIP backend.

The trunk is the default trunk of the call's account, else the `OUTDIAL_SIP_*` trunk; the
flow URI is the flow's own `sipUri`, else the `OUTDIAL_SIP_FLOW_URI` template. Answers are
kept `ttl_s` seconds, so a busy campaign costs a lookup per account and flow rather than
per call, and a change made through the API applies to calls placed after that. The SQL lives
in `trunk.repository`; the blocking engine is the process's own, passed in.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import Engine

from outdial.telephony.base import CallRequest
from outdial.telephony.sip.backend import Route
from outdial.telephony.sip.config import SipConfig, TrunkConfig, render_flow_uri
from outdial.trunk.repository import RouteRepository

TTL_S = 5.0


def trunk_config(row: Any) -> TrunkConfig:
    """A stored trunk as the SIP backend's configuration; its id keys its limiter."""
    return TrunkConfig(
        key=row.id,
        uri=row.uri,
        transport="tcp" if row.transport == "tcp" else "udp",
        username=row.username,
        password=row.password,
        cps=row.cps,
        max_calls=row.max_calls,
    )


class TrunkDirectory:
    """Routes from the database, cached briefly."""

    def __init__(self, db: Engine, config: SipConfig, ttl_s: float = TTL_S) -> None:
        self.db = db
        self.config = config
        self.ttl_s = ttl_s
        self._trunks: dict[str, tuple[float, TrunkConfig | None]] = {}
        self._flows: dict[str, tuple[float, str | None]] = {}
        self._lock = asyncio.Lock()

    async def route(self, request: CallRequest) -> Route:
        account = request.account_id
        flow = request.flow_id or ""
        async with self._lock:
            now = time.monotonic()
            trunk, uri = self._trunks.get(account), self._flows.get(flow)
            if trunk is None or trunk[0] < now or uri is None or uri[0] < now:
                found = await asyncio.to_thread(self._load, account, flow)
                trunk, uri = (now + self.ttl_s, found[0]), (now + self.ttl_s, found[1])
                self._trunks[account], self._flows[flow] = trunk, uri
        return Route(trunk[1] or self.config.trunk, uri[1])

    def _load(self, account_id: str, flow_id: str) -> tuple[TrunkConfig | None, str | None]:
        """The account's default trunk and the flow's URI, in one connection."""
        with self.db.connect() as conn:
            repo = RouteRepository(conn)
            row, flow = repo.default_trunk(account_id), repo.flow(flow_id)
        trunk = trunk_config(row) if row is not None else None
        if flow is None:
            return trunk, None
        if flow.sip_uri:
            return trunk, str(flow.sip_uri)
        template = self.config.flow_uri
        return trunk, render_flow_uri(template, flow.id, flow.name) if template else None

    async def close(self) -> None:
        """The engine belongs to whoever built the directory."""
