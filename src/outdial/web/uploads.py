"""CSV upload into a list, through the import service the API's import endpoint uses.

The browser sends the file with XMLHttpRequest (its upload events drive the progress bar) and
polls the import's own counters while the server reads it; the answer is the import report:
counts, and the rows it refused with their line numbers and reasons.

The upload's path ends like the API's import path (`/public/{stream}/campaign/contactList/
{id}/import`), so the body-size limit exempts it the same way and a file streams straight
into the importer instead of being buffered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from outdial.contact_list.export import REFUSAL_FIELDS, csv_chunks, iter_refusals
from outdial.contact_list.importer import ContactImporter, ImportRefusedError
from outdial.contact_list.schemas import ImportQuery
from outdial.contact_list.service import ContactListService
from outdial.contact_list.upload import read_upload
from outdial.deps import BlockingDbDep, ReadSessionDep, ReadSessionsDep, SettingsDep
from outdial.kit.errors import ApiError
from outdial.web.auth import CheckedDep, OperatorDep
from outdial.web.lists import refusals
from outdial.web.render import html

UPLOAD_PATH = "/ui/public/{stream}/campaign/contactList/{list_id}/import"


async def upload(
    request: Request,
    stream: str,
    list_id: str,
    operator: CheckedDep,
    sessions: ReadSessionsDep,
    settings: SettingsDep,
    db: BlockingDbDep,
) -> Response:
    """Import the uploaded CSV and answer the import report (a refused file is reported
    too, with its reason: the list is unchanged)."""
    tenant = operator.tenant(stream)
    importer = ContactImporter(db, tenant, settings.default_region)
    failure = ""
    try:
        await importer.run(list_id, ImportQuery(), read_upload(request, None))
    except ImportRefusedError as exc:
        failure = exc.items[0].msg
    except ApiError as exc:
        if exc.status == 404:
            raise
        failure = exc.items[0].msg
    async with sessions() as session:
        service = ContactListService(session, tenant, settings.default_region)
        job = await service.latest_import(list_id)
        refused = await refusals(service, list_id, job)
    return html(
        request, "_import.html", operator=operator, stream=stream, list_id=list_id, job=job,
        refusals=refused, failure=failure, finished=True,
    )  # fmt: skip


async def import_status(
    request: Request, stream: str, list_id: str, operator: OperatorDep, session: ReadSessionDep
) -> Response:
    """The list's latest import as it stands (polled while a file uploads)."""
    settings = request.app.state.settings
    service = ContactListService(session, operator.tenant(stream), settings.default_region)
    job = await service.latest_import(list_id)
    return html(
        request, "_import.html", operator=operator, stream=stream, list_id=list_id, job=job,
        refusals=await refusals(service, list_id, job), failure="", finished=False,
    )  # fmt: skip


async def refused_csv(
    request: Request,
    stream: str,
    list_id: str,
    job_id: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    sessions: ReadSessionsDep,
) -> Response:
    """Every row an import refused, as CSV: line, field, reason."""
    settings = request.app.state.settings
    service = ContactListService(session, operator.tenant(stream), settings.default_region)
    job = await service.import_job(list_id, job_id)

    async def cells() -> AsyncIterator[list[Any]]:
        async for row in iter_refusals(sessions, job["id"]):
            yield [row[key] for key in REFUSAL_FIELDS]

    name = f'attachment; filename="{job_id}-refused.csv"'
    return StreamingResponse(
        csv_chunks(REFUSAL_FIELDS, cells()),
        media_type="text/csv",
        headers={"Content-Disposition": name},
    )
