"""Contact lists rendered in Kore's shapes, which differ by operation and API version.

Each shape is a key list taken from the documentation samples; `_fields` computes every value
once and each shape picks its keys in the sample's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from outdial.contact_list.service import ListView
from outdial.kit.auth import Tenant
from outdial.kit.ids import derived_id
from outdial.kit.timefmt import iso
from outdial.models import Contact, ContactList

MAPPING_V2 = ("firstName", "lastName", "phoneNumber", "timeZone", "uniqueId", "contactPriority")
MAPPING_V1 = MAPPING_V2[:5]

_COMMON = ("totalRecordCount", "status", "createdBy", "updatedBy", "mapping", "isListInUse")
SHAPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("create", "v2"): (
        "isActive", "name", "description", *_COMMON, "listType", "isGlobalDNC", "isDefault",
        "campaignInUse", "source", "apiConfigurations", "columns", "files", "createdAt",
        "updatedAt", "_id", "allowDuplicates",
    ),
    ("get", "v2"): (
        "_id", "isActive", "name", "description", *_COMMON, "listType", "isGlobalDNC",
        "isDefault", "campaignInUse", "source", "apiConfigurations", "columns", "files",
        "createdAt", "updatedAt", "allowDuplicates",
    ),
    ("item", "v2"): (
        "_id", "name", "description", "totalRecordCount", "status", "mapping", "isListInUse",
        "listType", "campaignInUse", "source", "apiConfigurations", "columns", "files",
        "updatedAt",
    ),
    ("create", "v1"): (
        "isActive", "name", "description", *_COMMON, "listType", "campaignInUse", "source",
        "apiConfigurations", "files", "createdAt", "updatedAt", "_id", "allowDuplicates",
    ),
    ("get", "v1"): (
        "_id", "isActive", "orgId", "name", "lname", "description", *_COMMON, "iId",
        "listType", "campaignInUse", "accountId", "source", "apiConfigurations", "files",
        "createdAt", "updatedAt",
    ),
    ("item", "v1"): (
        "_id", "name", "description", "totalRecordCount", "status", "mapping", "isListInUse",
        "listType", "campaignInUse", "source", "apiConfigurations", "files", "updatedAt",
    ),
}  # fmt: skip
DNC_ITEM_EXTRA = ("isGlobalDNC", "isDefault")


def _fields(view: ListView, version: str) -> dict[str, Any]:
    row = view.row
    mapping = MAPPING_V2 if version == "v2" else MAPPING_V1
    return {
        "_id": row.id,
        "isActive": True,
        "orgId": derived_id("o", "account", row.account_id),
        "name": row.name,
        "lname": row.lname,
        "description": row.description,
        "totalRecordCount": row.record_count,
        "status": row.status,
        "createdBy": row.created_by,
        "updatedBy": row.updated_by,
        "mapping": {k: k for k in mapping},
        "isListInUse": bool(view.campaigns),
        "iId": row.stream_id,
        "listType": row.list_type,
        "isGlobalDNC": row.is_global_dnc,
        "isDefault": row.is_default,
        "campaignInUse": [{"id": cid, "name": name} for cid, name in view.campaigns],
        "accountId": row.account_id,
        "source": row.source,
        "apiConfigurations": {
            "dataSyncMode": "allowDuplicates" if row.allow_duplicates else "dontAllowDuplicates"
        },
        "columns": list(row.columns),
        "files": list(row.files),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "allowDuplicates": row.allow_duplicates,
    }


def render(view: ListView, kind: str, version: str) -> dict[str, Any]:
    """The list in the shape of operation `kind` ("create", "get", "item") for `version`."""
    keys = SHAPES[(kind, version)]
    if kind == "item" and view.row.list_type == "dnc":
        keys = keys + DNC_ITEM_EXTRA
    values = _fields(view, version)
    return {k: values[k] for k in keys}


def render_update(row: ContactList, tenant: Tenant, version: str) -> dict[str, Any]:
    """Kore's update answer echoes the update document, not the list."""
    body: dict[str, Any] = {"name": row.name}
    if version == "v2":
        body["scope"] = ["campaign_management"]
    body.update(
        orgId=tenant.org_id,
        iId=row.stream_id,
        listType=row.list_type,
        accountId=row.account_id,
        updatedBy=row.updated_by,
    )
    return {"contactListId": row.id, "body": body}


def render_contact(contact: Contact) -> dict[str, Any]:
    return {
        "_id": derived_id("cc", contact.list_id, contact.id),
        "createdAt": iso(contact.created_at),
        "updatedAt": iso(contact.updated_at),
        "phoneNumber": contact.phone_number,
    }


def render_contacts(rows: Sequence[Contact], total: int, skip: int, limit: int) -> dict[str, Any]:
    return {
        "results": [render_contact(c) for c in rows],
        "skip": skip,
        "limit": limit,
        "hasMore": skip + len(rows) < total,
        "totalPages": -(-total // limit) if limit else 0,
        "totalResults": total,
    }


def render_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """An import job: its counters so far, and why it failed when it did."""
    body = {
        "id": job["id"],
        "contactListId": job["list_id"],
        "status": job["status"],
        "fileName": job["file_name"],
        "totalRows": job["total_rows"],
        "imported": job["imported"],
        "duplicates": job["duplicates"],
        "invalid": job["invalid"],
        "startedAt": iso(job["started_at"]),
        "finishedAt": iso(job["finished_at"]),
        "updatedAt": iso(job["updated_at"]),
    }
    if job["error"]:
        body["error"] = job["error"]
    return body
