"""HTTP endpoints for contact lists (spec §4.13 and its v1 forms). Thin: parse, call, wrap."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from outdial.auth.route import TenantDep
from outdial.contact_list.export import (
    REFUSAL_FIELDS,
    contact_cells,
    csv_chunks,
    iter_contacts,
    iter_refusals,
    json_chunks,
)
from outdial.contact_list.importer import ContactImporter
from outdial.contact_list.schemas import (
    AddContactsBody,
    ContactListCreate,
    ContactListUpdate,
    ImportQuery,
)
from outdial.contact_list.service import ContactListService
from outdial.contact_list.upload import read_upload
from outdial.contact_list.views import render, render_contacts, render_job, render_update
from outdial.deps import (
    BlockingDbDep,
    ReadSessionDep,
    ReadSessionsDep,
    SessionDep,
    SettingsDep,
)
from outdial.kit.responses import plain, success
from outdial.kit.routing import V1, V1_1, V2_BOTH, Route, VersionDep

ADD_MESSAGE = "Adding contacts to public list is in progress"
TAG = "Contact and DNC lists"


def list_service(
    session: SessionDep, tenant: TenantDep, settings: SettingsDep
) -> ContactListService:
    return ContactListService(session, tenant, settings.default_region)


def list_reader(
    session: ReadSessionDep, tenant: TenantDep, settings: SettingsDep
) -> ContactListService:
    return ContactListService(session, tenant, settings.default_region)


ServiceDep = Annotated[ContactListService, Depends(list_service)]
ReaderDep = Annotated[ContactListService, Depends(list_reader)]


async def create_list(
    body: ContactListCreate, service: ServiceDep, version: VersionDep
) -> JSONResponse:
    """Create a contact list (`listType: "call"`) or a DNC list (`listType: "dnc"`)."""
    view = await service.create(body)
    message = f"Contact list {view.row.name} created successfully"
    return success(render(view, "create", version), message)


async def get_list(contactListId: str, service: ReaderDep, version: VersionDep) -> JSONResponse:
    """One list by id."""
    view = await service.get(contactListId)
    return success(render(view, "get", version), "")


async def update_list(
    contactListId: str, body: ContactListUpdate, service: ServiceDep, version: VersionDep
) -> JSONResponse:
    """Rename a list or change its description, duplicate mode or global-DNC flag."""
    row = await service.update(contactListId, body)
    message = f"Contact list {row.name} updated successfully"
    return success(render_update(row, service.tenant, version), message)


async def delete_list(contactListId: str, service: ServiceDep, version: VersionDep) -> JSONResponse:
    """Delete a list no campaign uses (409 otherwise)."""
    view = await service.delete(contactListId)
    message = f"Contact list {view.row.name} deleted successfully"
    return success(render(view, "get", version), message)


async def all_lists(
    service: ReaderDep,
    version: VersionDep,
    list_type: Annotated[Literal["call", "dnc"] | None, Query(alias="type")] = None,
) -> JSONResponse:
    """Every list of the stream (and the account's global DNC list); `type` filters."""
    views = await service.all(list_type)
    return success([render(v, "item", version) for v in views], "")


async def all_contacts(
    contactListId: str,
    service: ReaderDep,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> JSONResponse:
    """The contacts of a list in list order, `skip`/`limit` paged."""
    rows, total = await service.contacts(contactListId, skip, limit)
    return success(render_contacts(rows, total, skip, limit), "Contacts retrieved successfully")


async def add_contacts(body: AddContactsBody, service: ServiceDep) -> JSONResponse:
    """Add rows to a list by name. All rows are checked first: one bad row refuses the call
    and the errors name each row's index. Counts come back in X-Outdial-* headers."""
    result = await service.add_contacts(body)
    headers = {"X-Outdial-Added": str(result.added), "X-Outdial-Duplicates": str(result.duplicates)}
    return plain({"message": ADD_MESSAGE}, headers)


def importer(tenant: TenantDep, settings: SettingsDep, db: BlockingDbDep) -> ContactImporter:
    return ContactImporter(db, tenant, settings.default_region)


ImporterDep = Annotated[ContactImporter, Depends(importer)]
_UPLOAD_PATH = re.compile(r"/public/[^/]+/campaign/contactList/[^/]+/import$")


def is_upload(path: str) -> bool:
    """Paths whose body streams into an import (BodyLimit lets them through unbuffered)."""
    return _UPLOAD_PATH.search(path) is not None


async def import_contacts(
    contactListId: str,
    request: Request,
    importer: ImporterDep,
    options: Annotated[ImportQuery, Query()],
) -> JSONResponse:
    """Import a CSV file into a contact or DNC list: the body as `text/csv`, or multipart
    field `file`. The file streams through validation; the rows reach the list all together
    when the whole file has been read, or not at all. Answers the finished import; a file
    that cannot be imported is a 400 naming the problem (X-Outdial-Import-Id names the
    import), and 409 while another import of the list runs."""
    job = await importer.run(contactListId, options, read_upload(request, options.fileName))
    return success(render_job(job), f"Imported {job['imported']} contacts")


async def get_import(
    contactListId: str, importId: str, service: ReaderDep, importer: ImporterDep
) -> JSONResponse:
    """An import's progress: rows read so far while it runs, the final counts after."""
    job = await service.import_job(contactListId, importId)
    if job["status"] == "running":
        job = await importer.recheck(contactListId, importId)
    return success(render_job(job), "")


async def import_errors(
    contactListId: str,
    importId: str,
    service: ReaderDep,
    sessions: ReadSessionsDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> StreamingResponse:
    """Every row an import refused: its line in the file, the column and the reason."""
    job = await service.import_job(contactListId, importId)
    rows = iter_refusals(sessions, job["id"])
    if format == "json":
        return StreamingResponse(json_chunks(rows), media_type="application/json")
    lines = csv_chunks(REFUSAL_FIELDS, ([r[k] for k in REFUSAL_FIELDS] async for r in rows))
    name = f'attachment; filename="{importId}-errors.csv"'
    return StreamingResponse(lines, media_type="text/csv", headers={"Content-Disposition": name})


async def export_contacts(
    contactListId: str, service: ReaderDep, sessions: ReadSessionsDep
) -> StreamingResponse:
    """The whole list as CSV in the import format (a round trip changes nothing)."""
    row, header = await service.export_columns(contactListId)
    cells = (contact_cells(c, header) async for c in iter_contacts(sessions, row))
    name = f'attachment; filename="{row.name}.csv"'.encode("latin-1", "replace").decode()
    return StreamingResponse(
        csv_chunks(header, cells, quote_all=True),
        media_type="text/csv",
        headers={"Content-Disposition": name},
    )


_CL = "/campaign/contactList"
ROUTES = (
    Route("createContactList", f"{_CL}/createContactList", ("POST",), create_list,
          (*V2_BOTH, V1), "Create a contact list or DNC list", TAG),
    Route("getAllListDetails", f"{_CL}/getAllListDetails", ("GET", "POST"), all_lists,
          (*V2_BOTH, V1), "List contact and DNC lists", TAG),
    Route("getContactList", f"{_CL}/{{contactListId}}", ("GET",), get_list,
          (*V2_BOTH, V1), "Get a contact list", TAG, target="contactList"),
    Route("updateContactList", f"{_CL}/{{contactListId}}", ("PUT",), update_list,
          (*V2_BOTH, V1), "Update a contact list", TAG, target="contactList"),
    Route("deleteContactList", f"{_CL}/{{contactListId}}", ("DELETE",), delete_list,
          (*V2_BOTH, V1), "Delete a contact list", TAG, target="contactList"),
    Route("getAllContacts", f"{_CL}/{{contactListId}}/getAllContacts", ("GET",), all_contacts,
          (*V2_BOTH, V1), "Contacts of a list", TAG, target="contactList"),
    Route("addContacts", f"{_CL}/addContacts", ("POST",), add_contacts,
          (V1_1,), "Add contacts to a list by name", TAG),
    Route("importContacts", f"{_CL}/{{contactListId}}/import", ("POST",), import_contacts,
          V2_BOTH, "Import a CSV file into a list", TAG, target="contactList",
          extension=True),
    Route("getImport", f"{_CL}/{{contactListId}}/imports/{{importId}}", ("GET",), get_import,
          V2_BOTH, "Progress and counts of an import", TAG, target="contactList",
          extension=True),
    Route("getImportErrors", f"{_CL}/{{contactListId}}/imports/{{importId}}/errors", ("GET",),
          import_errors, V2_BOTH, "Rows an import refused (JSON or CSV)", TAG,
          target="contactList", extension=True),
    Route("exportContacts", f"{_CL}/{{contactListId}}/export", ("GET",), export_contacts,
          V2_BOTH, "A list as CSV, in the import format", TAG, target="contactList",
          extension=True),
)  # fmt: skip
