"""All SQL about contact lists and contacts.

`ContactListRepository` is one tenant's: its stream's lists plus its account's global DNC
list, which every stream of the account sees (the one deliberate exception to stream
tenancy). A list's contacts are reached through a list row it already returned.
`ListUpkeep` holds what the service's own chores read across tenants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant
from outdial.kit.repository import TenantRepository, owned_by
from outdial.models import (
    Campaign,
    CampaignContactList,
    Contact,
    ContactList,
    ImportJob,
    ImportRowError,
)

INSERT_CHUNK = 2_000
LOOKUP_CHUNK = 500


def visible(tenant: Tenant) -> ColumnElement[bool]:
    """Lists a tenant sees: its stream's, plus its account's global DNC list (account-wide)."""
    return (ContactList.account_id == tenant.account_id) & or_(
        ContactList.stream_id == tenant.stream_id, ContactList.is_global_dnc.is_(True)
    )


class ContactListRepository(TenantRepository[ContactList]):
    """One tenant's lists and their contacts within the caller's session."""

    model = ContactList

    def owned(self) -> ColumnElement[bool]:
        return visible(self.tenant)

    async def by_lname(self, lname: str) -> ContactList | None:
        """The stream's own list of that name (names are unique per stream)."""
        stream = owned_by(ContactList, self.tenant)
        return await self.first(select(ContactList).where(stream, ContactList.lname == lname))

    async def by_lnames(self, lnames: Iterable[str]) -> dict[str, ContactList]:
        stmt = self.select().where(ContactList.lname.in_(list(lnames)))
        found: dict[str, ContactList] = {}
        for row in await self.all(stmt):
            if row.stream_id == self.tenant.stream_id or row.lname not in found:
                found[row.lname] = row
        return found

    async def name_taken(self, lname: str, exclude_id: str | None) -> bool:
        existing = await self.by_lname(lname)
        return existing is not None and existing.id != exclude_id

    async def lists(self, list_type: str | None) -> Sequence[ContactList]:
        stmt = self.select()
        if list_type is not None:
            stmt = stmt.where(ContactList.list_type == list_type)
        return await self.all(stmt.order_by(ContactList.updated_at.desc()))

    async def global_dnc(self) -> ContactList | None:
        """The account's global DNC list (whichever stream made it)."""
        account = ContactList.account_id == self.tenant.account_id
        return await self.first(select(ContactList).where(account, ContactList.is_global_dnc))

    async def campaigns_using(self, list_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """For each list id, the tenant's (campaign id, name) pairs that dial it or use it as
        DNC list (the global DNC list is shared by streams; their campaigns are not)."""
        used: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if not list_ids:
            return used
        mine = owned_by(Campaign, self.tenant)
        as_contacts = (
            select(CampaignContactList.list_id, Campaign.id, Campaign.name)
            .join(Campaign, Campaign.id == CampaignContactList.campaign_id)
            .where(CampaignContactList.list_id.in_(list_ids), mine)
        )
        as_dnc = select(Campaign.dnc_list_id, Campaign.id, Campaign.name).where(
            Campaign.dnc_list_id.in_(list_ids), mine
        )
        for stmt in (as_contacts, as_dnc):
            for list_id, campaign_id, name in await self.session.execute(stmt):
                if list_id is not None:
                    used[list_id].append((campaign_id, name))
        return used


class ListContents:
    """The contacts and imports of a list the caller already holds (a row one of this
    tenant's repositories returned), so every statement is keyed by that list."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing_numbers(self, row: ContactList, numbers: Sequence[str]) -> set[str]:
        """Which of `numbers` the list already holds (checked in chunks, via the index)."""
        found: set[str] = set()
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            stmt = select(Contact.phone_number).where(
                Contact.list_id == row.id,
                Contact.account_id == row.account_id,
                Contact.phone_number.in_(chunk),
            )
            found.update(await self.session.scalars(stmt))
        return found

    async def insert_contacts(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert prepared contact rows in list order."""
        for start in range(0, len(rows), INSERT_CHUNK):
            await self.session.execute(insert(Contact), list(rows[start : start + INSERT_CHUNK]))

    async def remove_numbers(self, row: ContactList, numbers: Sequence[str]) -> int:
        removed = 0
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            stmt = delete(Contact).where(
                Contact.list_id == row.id,
                Contact.account_id == row.account_id,
                Contact.phone_number.in_(chunk),
            )
            result = await self.session.execute(stmt)
            removed += int(getattr(result, "rowcount", 0) or 0)
        return removed

    async def bump_count(self, list_id: str, delta: int, now: datetime) -> None:
        stmt = (
            update(ContactList)
            .where(ContactList.id == list_id)
            .values(record_count=ContactList.record_count + delta, updated_at=now)
        )
        await self.session.execute(stmt)

    async def page_contacts(self, row: ContactList, skip: int, limit: int) -> Sequence[Contact]:
        """One page of a list in list order; the total is the list's `record_count`."""
        stmt = (
            select(Contact)
            .where(Contact.list_id == row.id, Contact.account_id == row.account_id)
            .order_by(Contact.id)
            .offset(skip)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def import_job(self, row: ContactList, job_id: str) -> dict[str, Any] | None:
        """One import into the list, as a mapping of column name to value."""
        table = ImportJob.__table__
        stmt = select(table).where(table.c.id == job_id, table.c.list_id == row.id)
        found = (await self.session.execute(stmt)).mappings().first()
        return dict(found) if found is not None else None

    async def refusals_after(
        self, job_id: str, after: int, limit: int
    ) -> Sequence[Row[int, int, str, str]]:
        """A page of an import's refused rows, in line order then id order."""
        stmt = (
            select(
                ImportRowError.id, ImportRowError.line, ImportRowError.field, ImportRowError.reason
            )
            .where(ImportRowError.job_id == job_id, ImportRowError.id > after)
            .order_by(ImportRowError.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).all()

    async def custom_keys(self, row: ContactList) -> list[str]:
        """Every custom field name used in the list, one set-based pass."""
        if self.session.get_bind().dialect.name == "postgresql":
            sql = (
                "SELECT DISTINCT jsonb_object_keys(custom) FROM contacts "
                "WHERE list_id = :list AND jsonb_typeof(custom) = 'object'"
            )
        else:
            sql = (
                "SELECT DISTINCT j.key FROM contacts, json_each(contacts.custom) AS j "
                "WHERE contacts.list_id = :list AND json_type(contacts.custom) = 'object'"
            )
        keys = await self.session.scalars(text(sql), {"list": row.id})
        return sorted(keys)

    async def contacts_after(self, row: ContactList, after: int, limit: int) -> Sequence[Contact]:
        """A page of the list in list order, after contact id `after` (keyset paging)."""
        stmt = (
            select(Contact)
            .where(Contact.list_id == row.id, Contact.id > after)
            .order_by(Contact.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def latest_import(self, row: ContactList) -> dict[str, Any] | None:
        """The list's most recent import, as a mapping of column name to value."""
        table = ImportJob.__table__
        stmt = (
            select(table)
            .where(table.c.list_id == row.id)
            .order_by(table.c.started_at.desc(), table.c.id.desc())
            .limit(1)
        )
        found = (await self.session.execute(stmt)).mappings().first()
        return dict(found) if found is not None else None

    async def search_contacts(
        self, row: ContactList, term: str, skip: int, limit: int
    ) -> tuple[Sequence[Contact], int]:
        """A page of the list's contacts whose number, name or uniqueId contains `term`
        (case-insensitive; a number matches on its digits), and how many match in all."""
        pattern = (
            "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        digits = "".join(ch for ch in term if ch.isdigit())
        fields = [Contact.first_name, Contact.last_name, Contact.unique_id]
        matches = [func.lower(f).like(pattern, escape="\\") for f in fields]
        if digits:
            matches.append(Contact.phone_number.like(f"%{digits}%"))
        stmt = select(Contact).where(
            Contact.list_id == row.id, Contact.account_id == row.account_id, or_(*matches)
        )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        page = stmt.order_by(Contact.id).offset(skip).limit(limit)
        return (await self.session.scalars(page)).all(), int(total or 0)


class ListUpkeep:
    """List statements the service's own chores run across tenants."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def statuses(self, list_ids: Sequence[str]) -> dict[str, str]:
        """Each list's status (Ready, Validating, Validated, Invalid)."""
        if not list_ids:
            return {}
        stmt = select(ContactList.id, ContactList.status).where(ContactList.id.in_(list_ids))
        return {row_id: status for row_id, status in await self.session.execute(stmt)}
