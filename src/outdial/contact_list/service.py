"""Rules for contact lists: unique names, one global DNC list, in-use protection, and how
rows become contacts (E.164 numbers, duplicates per `allowDuplicates`, all-or-nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.contact_list.export import export_header
from outdial.contact_list.repository import ContactListRepository, ListContents
from outdial.contact_list.rows import ContactFields, validate_row
from outdial.contact_list.schemas import AddContactsBody, ContactListCreate, ContactListUpdate
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.errors import ErrorItem, bad_request, conflict, invalid, not_found
from outdial.kit.timefmt import utcnow
from outdial.models import Contact, ContactList

DEFAULT_GLOBAL_NAME = "Default Global DNC"
SYSTEM_USER = "u-system"


@dataclass
class ListView:
    """A list with the campaigns that use it, as the response shapes need."""

    row: ContactList
    campaigns: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class AddResult:
    added: int
    duplicates: int


def new_list(account_id: str, stream_id: str, user: str, body: ContactListCreate) -> ContactList:
    """A fresh list row from a create body."""
    now = utcnow()
    return ContactList(
        id=ids.short_id("cl"),
        account_id=account_id,
        stream_id=stream_id,
        name=body.name,
        lname=body.name.lower(),
        description=body.description,
        list_type=body.listType,
        is_global_dnc=False,
        is_default=False,
        source=body.source,
        allow_duplicates=body.allowDuplicates,
        status="Ready",
        default_region=body.defaultRegion,
        columns=[],
        files=[],
        record_count=0,
        created_by=user,
        updated_by=user,
        created_at=now,
        updated_at=now,
    )


async def ensure_default_global(session: AsyncSession, account_id: str, stream_id: str) -> None:
    """Every account has a global DNC list; create "Default Global DNC" if it has none."""
    repo = ContactListRepository(session, Tenant("", account_id, stream_id))
    if await repo.global_dnc() is not None:
        return
    body = ContactListCreate(
        name=DEFAULT_GLOBAL_NAME,
        description="Numbers never dialed by any campaign of this account",
        listType="dnc",
    )
    row = new_list(account_id, stream_id, SYSTEM_USER, body)
    row.is_global_dnc = True
    row.is_default = True
    repo.add(row)
    await repo.flush()


class ContactListService:
    """Contact-list operations for one tenant within one session."""

    def __init__(self, session: AsyncSession, tenant: Tenant, region: str) -> None:
        self.session = session
        self.tenant = tenant
        self.region = region
        self.repo = ContactListRepository(session, tenant)
        self.contents = ListContents(session)

    async def _require(self, list_id: str, *, lock: bool = False) -> ContactList:
        row = await self.repo.get(list_id, lock=lock)
        if row is None:
            raise not_found(f"Contact list {list_id} not found")
        return row

    async def _check_name(self, name: str, exclude_id: str | None) -> None:
        if await self.repo.name_taken(name.lower(), exclude_id):
            raise conflict(f"A contact list named {name!r} already exists", "name")

    async def _view(self, row: ContactList) -> ListView:
        used = await self.repo.campaigns_using([row.id])
        return ListView(row, used.get(row.id, []))

    async def _make_global(self, row: ContactList) -> None:
        """Mark `row` the account's global DNC list, taking the flag from the previous one."""
        if row.list_type != "dnc":
            raise bad_request(
                "isGlobalDNC can be true only on a DNC list (listType dnc)", "isGlobalDNC"
            )
        previous = await self.repo.global_dnc()
        if previous is not None and previous.id != row.id:
            previous.is_global_dnc = False
            await self.repo.flush()
        row.is_global_dnc = True

    async def create(self, body: ContactListCreate) -> ListView:
        await self._check_name(body.name, None)
        row = new_list(self.tenant.account_id, self.tenant.stream_id, self.tenant.user_id, body)
        if body.isGlobalDNC:
            await self._make_global(row)
        self.repo.add(row)
        await self.session.commit()
        return ListView(row)

    async def get(self, list_id: str) -> ListView:
        return await self._view(await self._require(list_id))

    async def all(self, list_type: str | None) -> list[ListView]:
        rows = await self.repo.lists(list_type)
        used = await self.repo.campaigns_using([r.id for r in rows])
        return [ListView(r, used.get(r.id, [])) for r in rows]

    async def update(self, list_id: str, body: ContactListUpdate) -> ContactList:
        row = await self._require(list_id, lock=True)
        if body.name is not None:
            await self._check_name(body.name, row.id)
            row.name, row.lname = body.name, body.name.lower()
        if body.description is not None:
            row.description = body.description
        if body.allowDuplicates is not None:
            row.allow_duplicates = body.allowDuplicates
        if body.defaultRegion is not None:
            row.default_region = body.defaultRegion
        if body.isGlobalDNC is not None:
            await self._set_global(row, body.isGlobalDNC)
        row.updated_by, row.updated_at = self.tenant.user_id, utcnow()
        await self.session.commit()
        return row

    async def _set_global(self, row: ContactList, wanted: bool) -> None:
        if wanted:
            await self._make_global(row)
        elif row.is_global_dnc:
            raise conflict(
                "isGlobalDNC cannot be turned off: an account always has a global DNC list; "
                "mark another DNC list global instead",
                "isGlobalDNC",
            )

    async def delete(self, list_id: str) -> ListView:
        row = await self._require(list_id, lock=True)
        view = await self._view(row)
        if view.campaigns:
            names = ", ".join(name for _, name in view.campaigns)
            raise conflict(f"Contact list {row.name} is used by campaigns: {names}")
        if row.is_global_dnc:
            raise conflict(f"Contact list {row.name} is the account's global DNC list")
        await self.repo.delete(row)
        await self.session.commit()
        return view

    async def contacts(self, list_id: str, skip: int, limit: int) -> tuple[Sequence[Contact], int]:
        row = await self._require(list_id)
        return await self.contents.page_contacts(row, skip, limit), row.record_count

    async def search_contacts(
        self, list_id: str, term: str, skip: int, limit: int
    ) -> tuple[Sequence[Contact], int]:
        """Contacts whose number, name or uniqueId contains `term`, and how many in all."""
        return await self.contents.search_contacts(await self._require(list_id), term, skip, limit)

    async def latest_import(self, list_id: str) -> dict[str, Any] | None:
        """The list's most recent import, so a page can show its progress or its report."""
        return await self.contents.latest_import(await self._require(list_id))

    async def import_refusals(self, list_id: str, job_id: str, limit: int) -> list[Any]:
        """The first refused rows of one of the list's imports: (id, line, field, reason)."""
        await self.import_job(list_id, job_id)
        return list(await self.contents.refusals_after(job_id, 0, limit))

    async def import_job(self, list_id: str, job_id: str) -> dict[str, Any]:
        """One import into a list the tenant sees (404 for either id unknown)."""
        job = await self.contents.import_job(await self._require(list_id), job_id)
        if job is None:
            raise not_found(f"Import {job_id} not found")
        return job

    async def export_columns(self, list_id: str) -> tuple[ContactList, list[str]]:
        """The list and the columns its CSV export has."""
        row = await self._require(list_id)
        custom = [] if row.list_type == "dnc" else await self.contents.custom_keys(row)
        return row, export_header(row, custom)

    async def add_contacts(self, body: AddContactsBody) -> AddResult:
        """Validate every row, then store the new ones in one transaction (or none at all)."""
        row = await self.repo.by_lnames([body.contact_list_name.lower()])
        target = row.get(body.contact_list_name.lower())
        if target is None:
            raise not_found(f"Contact list {body.contact_list_name} not found")
        target = await self._require(target.id, lock=True)
        region = body.defaultRegion or target.default_region or self.region
        fields = _validate_all(body.data, region)
        keep = await self._without_duplicates(target, fields)
        await self.contents.insert_contacts([_contact_row(target, f) for f in keep])
        await self.contents.bump_count(target.id, len(keep), utcnow())
        await self.session.commit()
        return AddResult(added=len(keep), duplicates=len(fields) - len(keep))

    async def _without_duplicates(
        self, target: ContactList, fields: list[ContactFields]
    ) -> list[ContactFields]:
        if target.allow_duplicates and target.list_type == "call":
            return fields
        numbers = list(dict.fromkeys(f.phone_number for f in fields))
        seen = await self.contents.existing_numbers(target, numbers)
        keep: list[ContactFields] = []
        for f in fields:
            if f.phone_number not in seen:
                seen.add(f.phone_number)
                keep.append(f)
        return keep


def _validate_all(data: Sequence[dict[str, Any]], region: str) -> list[ContactFields]:
    """Every row validated; any refusal fails the whole request with one entry per problem."""
    good: list[ContactFields] = []
    problems: list[ErrorItem] = []
    for index, item in enumerate(data):
        result = validate_row(item, region)
        if isinstance(result, ContactFields):
            good.append(result)
            continue
        for err in result:
            path = f"data[{index}].{err.field}" if err.field else f"data[{index}]"
            problems.append(ErrorItem(f"{path} {err.reason}", 400, path))
    if problems:
        raise invalid(problems)
    return good


def _contact_row(target: ContactList, f: ContactFields) -> dict[str, Any]:
    now = utcnow()
    dnc = target.list_type == "dnc"
    return {
        "list_id": target.id,
        "account_id": target.account_id,
        "stream_id": target.stream_id,
        "phone_number": f.phone_number,
        "first_name": None if dnc else f.first_name,
        "last_name": None if dnc else f.last_name,
        "time_zone": None if dnc else f.time_zone,
        "number_zone": None if dnc else f.number_zone,
        "unique_id": None if dnc else f.unique_id,
        "contact_priority": None if dnc else f.contact_priority,
        "custom": None if dnc or not f.custom else f.custom,
        "created_at": now,
        "updated_at": now,
    }
