"""Lists and import refusals written out as CSV (or JSON), streamed page by page.

A list exports in the import format, so a file exported from one list imports into another
unchanged: the standard fields, then its custom fields (in the order files brought them,
then any others by name), every value quoted as Kore's CSV template has them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.contact_list.repository import ListContents
from outdial.contact_list.rows import STANDARD_FIELDS
from outdial.models import Contact, ContactList

PAGE = 5_000
FLUSH_CHARS = 64_000
REFUSAL_FIELDS = ("line", "field", "reason")
_STORED = {
    "firstName": "first_name", "lastName": "last_name", "phoneNumber": "phone_number",
    "timeZone": "time_zone", "uniqueId": "unique_id", "contactPriority": "contact_priority",
}  # fmt: skip


def export_header(row: ContactList, custom: Sequence[str]) -> list[str]:
    """The columns of a list's export: its number alone for a DNC list."""
    if row.list_type == "dnc":
        return ["phoneNumber"]
    known = [c for c in row.columns if c in custom]
    return [*STANDARD_FIELDS, *known, *sorted(set(custom) - set(known))]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def contact_cells(contact: Contact, header: Sequence[str]) -> list[str]:
    custom = contact.custom or {}
    return [
        _cell(getattr(contact, _STORED[name]) if name in _STORED else custom.get(name))
        for name in header
    ]


async def iter_contacts(
    sessions: async_sessionmaker[AsyncSession], row: ContactList
) -> AsyncIterator[Contact]:
    """Every contact of the list in list order, a short read per page."""
    after = 0
    while True:
        async with sessions() as session:
            page = await ListContents(session).contacts_after(row, after, PAGE)
        for contact in page:
            yield contact
        if len(page) < PAGE:
            return
        after = page[-1].id


async def iter_refusals(
    sessions: async_sessionmaker[AsyncSession], job_id: str
) -> AsyncIterator[dict[str, Any]]:
    """Every refused row of an import, in the order they were found."""
    after = 0
    while True:
        async with sessions() as session:
            page = await ListContents(session).refusals_after(job_id, after, PAGE)
        for row_id, line, field, reason in page:
            yield {"line": line, "field": field, "reason": reason}
            after = row_id
        if len(page) < PAGE:
            return


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterator[Sequence[Any]], quote_all: bool = False
) -> AsyncIterator[str]:
    """CSV text in chunks of about FLUSH_CHARS."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(header)
    async for row in rows:
        writer.writerow(row)
        if buffer.tell() > FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def json_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    """`{"status": "success", "data": [...]}`, one row at a time."""
    yield '{"status":"success","data":['
    first = True
    async for row in rows:
        yield ("" if first else ",") + json.dumps(row)
        first = False
    yield "]}"
