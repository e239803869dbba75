"""JSON shapes of trunks and flows; a trunk's password is never part of them."""

from __future__ import annotations

from typing import Any

from outdial.kit.timefmt import iso
from outdial.models import Flow, Trunk


def render_trunk(row: Trunk) -> dict[str, Any]:
    return {
        "_id": row.id,
        "name": row.name,
        "uri": row.uri,
        "transport": row.transport,
        "username": row.username,
        "hasPassword": bool(row.password),
        "cps": row.cps,
        "maxCalls": row.max_calls,
        "isDefault": row.is_default,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def render_flow(row: Flow, template_uri: str | None) -> dict[str, Any]:
    """A flow, its own SIP URI, and the URI calls are actually handed to."""
    return {
        "_id": row.id,
        "name": row.name,
        "sipUri": row.sip_uri,
        "effectiveSipUri": row.sip_uri or template_uri,
        "updatedAt": iso(row.updated_at),
    }
