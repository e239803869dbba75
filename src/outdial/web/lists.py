"""The lists pages: contact and DNC lists, a list's contacts (paged, searchable), and adding
or removing do-not-call numbers, all through the contact-list and DNC services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.contact_list.schemas import AddContactsBody, ContactListCreate
from outdial.contact_list.service import ContactListService
from outdial.deps import ReadSessionDep, SessionDep
from outdial.dnc.schemas import RemoveContactsBody
from outdial.dnc.service import remove_numbers
from outdial.kit.auth import Tenant
from outdial.kit.errors import ApiError, parse
from outdial.models import ContactList
from outdial.web.auth import CheckedDep, Operator, OperatorDep
from outdial.web.render import html, redirect

CONTACTS_PAGE = 25
REFUSALS_SHOWN = 100
_SEPARATORS = re.compile(r"[\n,;]+")
Name = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class Contacts:
    """One page of a list's contacts, and the search that chose them."""

    rows: list[Any]
    total: int
    term: str
    page: int

    @property
    def pages(self) -> int:
        return max(-(-self.total // CONTACTS_PAGE), 1)


def _service(request: Request, session: AsyncSession, tenant: Tenant) -> ContactListService:
    return ContactListService(session, tenant, request.app.state.settings.default_region)


async def lists_page(
    request: Request, stream: str, operator: OperatorDep, session: ReadSessionDep
) -> Response:
    """Contact lists and DNC lists of the stream (and the account's global DNC list)."""
    return await _lists_page(request, stream, operator, session, {}, {"listType": "call"})


async def _lists_page(
    request: Request,
    stream: str,
    operator: Operator,
    session: AsyncSession,
    errors: dict[str, list[str]],
    values: dict[str, str],
) -> Response:
    views = await _service(request, session, operator.tenant(stream)).all(None)
    return html(
        request, "lists.html", operator=operator, stream=stream,
        call_lists=[v for v in views if v.row.list_type == "call"],
        dnc_lists=[v for v in views if v.row.list_type == "dnc"],
        errors=errors, values=values,
    )  # fmt: skip


async def create_list(
    request: Request,
    stream: str,
    operator: CheckedDep,
    session: SessionDep,
    name: Name = "",
    description: Annotated[str, Form(max_length=1000)] = "",
    list_type: Annotated[str, Form(alias="listType", max_length=8)] = "call",
) -> Response:
    """Create a list from the form (createContactList's rules), or show why not."""
    values = {"name": name, "description": description, "listType": list_type}
    try:
        body = parse(ContactListCreate, values)
        view = await _service(request, session, operator.tenant(stream)).create(body)
    except ApiError as exc:
        await session.rollback()
        errors: dict[str, list[str]] = {}
        for item in exc.items:
            errors.setdefault(item.field or "", []).append(item.msg)
        return await _lists_page(request, stream, operator, session, errors, values)
    url = f"/ui/{stream}/lists/{view.row.id}"
    return redirect(request, url, f"List {view.row.name} created.")


async def _contacts(service: ContactListService, list_id: str, term: str, page: int) -> Contacts:
    skip = (page - 1) * CONTACTS_PAGE
    if term.strip():
        rows, total = await service.search_contacts(list_id, term.strip(), skip, CONTACTS_PAGE)
    else:
        rows, total = await service.contacts(list_id, skip, CONTACTS_PAGE)
    return Contacts(list(rows), total, term.strip(), page)


Term = Annotated[str, Query(alias="q", max_length=100)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


async def list_page(
    request: Request,
    stream: str,
    list_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    term: Term = "",
    page: PageNumber = 1,
) -> Response:
    """A list: its details, CSV upload and last import, its contacts, and for a DNC list the
    forms that add and remove numbers."""
    return await _list_page(request, stream, list_id, operator, session, term, page)


async def _list_page(
    request: Request,
    stream: str,
    list_id: str,
    operator: Operator,
    session: AsyncSession,
    term: str = "",
    page: int = 1,
    errors: dict[str, list[str]] | None = None,
    numbers: str = "",
) -> Response:
    service = _service(request, session, operator.tenant(stream))
    view = await service.get(list_id)
    job = await service.latest_import(list_id)
    return html(
        request, "list.html", operator=operator, stream=stream, view=view, job=job,
        refusals=await refusals(service, list_id, job),
        contacts=await _contacts(service, list_id, term, page),
        errors=errors or {}, numbers=numbers,
    )  # fmt: skip


async def contacts_table(
    request: Request,
    stream: str,
    list_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    term: Term = "",
    page: PageNumber = 1,
) -> Response:
    """The contacts table alone (htmx swaps it when searching or paging)."""
    service = _service(request, session, operator.tenant(stream))
    view = await service.get(list_id)
    contacts = await _contacts(service, list_id, term, page)
    return html(
        request, "_contacts.html", operator=operator, stream=stream, view=view,
        contacts=contacts,
    )  # fmt: skip


async def refusals(
    service: ContactListService, list_id: str, job: dict[str, Any] | None
) -> list[Any]:
    """The first refused rows of a finished import, for the report under the upload form."""
    if job is None or job["status"] == "running" or not job["invalid"]:
        return []
    return await service.import_refusals(list_id, job["id"], REFUSALS_SHOWN)


def _rows(numbers: str) -> list[dict[str, Any]]:
    """Numbers typed one per line (or separated by commas) as addContacts rows."""
    return [{"phoneNumber": n.strip()} for n in _SEPARATORS.split(numbers) if n.strip()]


async def _dnc_list(
    request: Request, session: AsyncSession, tenant: Tenant, list_id: str
) -> ContactList:
    return (await _service(request, session, tenant).get(list_id)).row


async def add_numbers(
    request: Request,
    stream: str,
    list_id: str,
    operator: CheckedDep,
    session: SessionDep,
    numbers: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """Add numbers to a DNC list (addContacts' rules: one bad number refuses them all)."""
    tenant = operator.tenant(stream)
    target = await _dnc_list(request, session, tenant, list_id)
    try:
        body = parse(AddContactsBody, {"contact_list_name": target.name, "data": _rows(numbers)})
        added = await _service(request, session, tenant).add_contacts(body)
    except ApiError as exc:
        await session.rollback()
        errors = {"numbers": [item.msg for item in exc.items]}
        return await _list_page(
            request, stream, list_id, operator, session, errors=errors, numbers=numbers
        )
    note = f"Added {added.added} number(s); {added.duplicates} already listed."
    return redirect(request, f"/ui/{stream}/lists/{list_id}", note)


async def remove_dnc_numbers(
    request: Request,
    stream: str,
    list_id: str,
    operator: CheckedDep,
    session: SessionDep,
    numbers: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """Remove numbers from a DNC list (removeContacts' rules)."""
    tenant = operator.tenant(stream)
    target = await _dnc_list(request, session, tenant, list_id)
    region = request.app.state.settings.default_region
    try:
        body = parse(RemoveContactsBody, {"contact_list_name": target.name, "data": _rows(numbers)})
        removed = await remove_numbers(session, tenant, body, region)
    except ApiError as exc:
        await session.rollback()
        errors = {"remove": [item.msg for item in exc.items]}
        return await _list_page(request, stream, list_id, operator, session, errors=errors)
    return redirect(request, f"/ui/{stream}/lists/{list_id}", f"Removed {removed} number(s).")
