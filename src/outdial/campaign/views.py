"""Campaigns rendered in Kore's shapes, which differ by operation, API version and mode.

The key lists are read off the documentation samples (including their quirks: create answers
`id`, the others `_id`; the v2 update answer carries `maxSkips` even for Agentless; list items
have no `lname`). `_values` computes everything once; each shape picks its keys in order and
drops the keys a mode does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from outdial.campaign.service import CampaignView, Page
from outdial.kit.routing import ApiVersion
from outdial.kit.timefmt import iso

_HEAD = ("name", "lname", "description")
SHAPES: dict[tuple[str, ApiVersion], tuple[str, ...]] = {
    ("create", "v2"): (
        *_HEAD, "dncLists", "priority", "dialingMode", "dialingStrategy", "experienceFlow",
        "status", "maxSkips", "isFiltersEnabled", "createdAt", "updatedAt", "id",
        "contactLists", "enableMachineDetect",
    ),
    ("get", "v2"): (
        "_id", *_HEAD, "dncLists", "priority", "dialingMode", "dialingStrategy",
        "experienceFlow", "status", "maxSkips", "createdAt", "updatedAt", "schedule",
        "campaignInstanceId", "contactLists",
    ),
    ("update", "v2"): (
        "_id", *_HEAD, "dncLists", "priority", "dialingMode", "dialingStrategy", "status",
        "maxSkips!", "isFiltersEnabled", "createdAt", "updatedAt", "schedule", "experienceFlow",
        "campaignInstanceId", "contactLists",
    ),
    ("delete", "v2"): (
        "_id", *_HEAD, "dncLists", "priority", "dialingMode", "dialingStrategy",
        "experienceFlow", "status", "maxSkips", "isFiltersEnabled", "createdAt", "updatedAt",
        "schedule", "campaignInstanceId", "contactLists",
    ),
    ("item", "v2"): (
        "_id", "name", "description", "dncLists", "priority", "dialingMode", "experienceFlow",
        "status", "isFiltersEnabled", "createdAt", "updatedAt", "campaignInstanceUpdatedAt",
        "schedule", "campaignInstanceId", "connection", "contactLists",
    ),
    ("create", "v1"): (
        *_HEAD, "priority", "dialingMode", "dialingStrategy", "experienceFlow", "status",
        "maxSkips", "createdAt", "updatedAt", "id", "contactLists", "enableMachineDetect!",
    ),
    ("get", "v1"): (
        "_id", *_HEAD, "priority", "dialingMode", "dialingStrategy", "experienceFlow",
        "status", "maxSkips", "createdAt", "updatedAt", "schedule", "campaignInstanceId",
        "contactLists", "enableMachineDetect!",
    ),
    ("update", "v1"): (
        *_HEAD, "priority", "dialingMode", "dialingStrategy", "experienceFlow", "status",
        "maxSkips", "createdAt", "updatedAt", "schedule", "id", "contactLists",
        "enableMachineDetect!",
    ),
    ("item", "v1"): (
        "_id", "name", "description", "priority", "dialingMode", "experienceFlow", "status",
        "createdAt", "updatedAt", "schedule", "campaignInstanceId",
        "campaignInstanceUpdatedAt", "connection", "contactLists",
    ),
}  # fmt: skip
SHAPES[("delete", "v1")] = SHAPES[("get", "v1")]

# Keys present only when the campaign has them; a `!` suffix in a shape forces the key.
_OPTIONAL: dict[str, Callable[[CampaignView], bool]] = {
    "dncLists": lambda v: v.dnc is not None,
    "experienceFlow": lambda v: v.row.dialing_mode == "Agentless",
    "maxSkips": lambda v: v.row.dialing_mode == "Preview",
    "enableMachineDetect": lambda v: v.row.dialing_mode == "Agentless",
    "campaignInstanceId": lambda v: v.row.current_run_id is not None,
}


def _strategy(view: CampaignView, version: ApiVersion) -> dict[str, Any]:
    row = view.row
    strategy: dict[str, Any] = {
        "callerId": {"phoneNumber": row.caller_id},
        "callingHours": {
            "frequency": row.frequency,
            "days": [{"start": d["start"], "end": d["end"], "day": d["day"]} for d in row.days],
            "timezone": row.timezone,
        },
        "dialingOrder": row.dialing_order,
        "maxAttemptsPerRecord": row.max_attempts,
        "defaultRetryPeriod": row.retry_period_min,
        "maxRingTime": row.max_ring_time_s,
    }
    if version == "v2":
        strategy["useSystemMappings"] = False
    return strategy


def _values(view: CampaignView, version: ApiVersion) -> dict[str, Any]:
    row = view.row
    return {
        "_id": row.id,
        "id": row.id,
        "name": row.name,
        "lname": row.lname,
        "description": row.description,
        "dncLists": {"id": view.dnc[0], "name": view.dnc[1]} if view.dnc else None,
        "priority": row.priority,
        "dialingMode": row.dialing_mode,
        "dialingStrategy": _strategy(view, version),
        "experienceFlow": row.flow_id,
        "status": row.status,
        "maxSkips": row.max_skips if row.max_skips is not None else 1,
        "isFiltersEnabled": row.is_filters_enabled,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "schedule": {
            "isSchedulingEnabled": row.scheduling_enabled,
            "isRecurrenceEnabled": bool(row.recurrence_enabled),
        },
        "campaignInstanceId": row.current_run_id,
        "campaignInstanceUpdatedAt": iso(row.run_updated_at or row.updated_at),
        "connection": row.queue_name or view.flow_name or "",
        "contactLists": list(view.list_names),
        "enableMachineDetect": row.machine_detect != "no",
    }


def render(view: CampaignView, kind: str, version: ApiVersion) -> dict[str, Any]:
    """The campaign in the shape of operation `kind` for API `version`."""
    values = _values(view, version)
    if kind == "item" and view.row.recurrence_enabled is None:
        values["schedule"] = {"isSchedulingEnabled": view.row.scheduling_enabled}
    out: dict[str, Any] = {}
    for key in SHAPES[(kind, version)]:
        forced = key.endswith("!")
        key = key.rstrip("!")
        present = _OPTIONAL.get(key)
        if forced or present is None or present(view):
            out[key] = values[key]
    return out


def render_page(page: Page, version: ApiVersion) -> dict[str, Any]:
    return {
        "results": [render(v, "item", version) for v in page.views],
        "skip": page.skip,
        "limit": page.limit,
        "hasMore": page.skip + len(page.views) < page.total,
        "totalPages": page.total_pages,
        "totalResults": page.total,
    }
