"""Removing numbers from DNC lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.contact_list.repository import ContactListRepository, ListContents
from outdial.dnc.schemas import RemoveContactsBody
from outdial.kit.auth import Tenant
from outdial.kit.errors import ErrorItem, bad_request, invalid, not_found
from outdial.kit.phone import InvalidNumberError, to_e164
from outdial.kit.timefmt import utcnow


def _numbers(data: Sequence[dict[str, Any]], region: str) -> list[str]:
    """Every row's number in E.164; any bad row refuses the whole call."""
    numbers: list[str] = []
    problems: list[ErrorItem] = []
    for index, row in enumerate(data):
        path = f"data[{index}].phoneNumber"
        raw = row.get("phoneNumber")
        if not isinstance(raw, str) or not raw.strip():
            problems.append(ErrorItem(f"{path} is required", 400, path))
            continue
        try:
            numbers.append(to_e164(raw, region))
        except InvalidNumberError as exc:
            problems.append(ErrorItem(f"{path} {raw!r} is {exc}", 400, path))
    if problems:
        raise invalid(problems)
    return list(dict.fromkeys(numbers))


async def remove_numbers(
    session: AsyncSession, tenant: Tenant, body: RemoveContactsBody, region: str
) -> int:
    """Delete the given numbers from a DNC list; returns how many entries went away."""
    repo = ContactListRepository(session, tenant)
    found = (await repo.by_lnames([body.contact_list_name.lower()])).get(
        body.contact_list_name.lower()
    )
    if found is None:
        raise not_found(f"Contact list {body.contact_list_name} not found")
    target = await repo.get(found.id, lock=True)
    assert target is not None
    if target.list_type != "dnc":
        raise bad_request(
            f"contact_list_name {body.contact_list_name!r} is a call list; removeContacts works "
            "on DNC lists only (call lists are append-only)",
            "contact_list_name",
        )
    numbers = _numbers(body.data, body.defaultRegion or target.default_region or region)
    contents = ListContents(session)
    removed = await contents.remove_numbers(target, numbers)
    await contents.bump_count(target.id, -removed, utcnow())
    await session.commit()
    return removed
