"""The campaigns page and the campaign form: list with filters, create, edit, triggers.

Views parse the form, call the same services the API calls (with the same body model, so the
same rules and messages) and render; nothing here decides what a campaign may do.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Annotated, Any

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.schemas import STATUSES, CampaignBody, CampaignQuery, ListFilters
from outdial.campaign.service import CampaignService, prepare
from outdial.contact_list.service import ContactListService
from outdial.deps import ClockDep, ReadSessionDep, SessionDep, SessionsDep, WakeDep
from outdial.kit.errors import ApiError, parse
from outdial.kit.hours import DAYS
from outdial.report.service import ReportService
from outdial.run.service import RunService
from outdial.web import forms
from outdial.web.auth import CheckedDep, Operator, OperatorDep
from outdial.web.forms import CampaignForm
from outdial.web.live import MOVING
from outdial.web.render import html, redirect

PAGE_SIZE = 25
MODES = ("Agentless", "Progressive", "Preview")
ACTION_WORDS = {"play": "Start", "pause": "Pause", "resume": "Resume", "stop": "Stop"}


@cache
def time_zones() -> list[str]:
    """IANA zone names offered by the time-zone field (any other name is still validated)."""
    return sorted(zoneinfo.available_timezones())


def _filters(status: str, mode: str) -> ListFilters:
    return ListFilters(
        status=[status] if status in STATUSES else None,
        dialingMode=[mode] if mode in MODES else None,
    )


async def campaigns_page(
    request: Request,
    stream: str,
    operator: OperatorDep,
    session: ReadSessionDep,
    status: Annotated[str, Query(max_length=16)] = "",
    mode: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    fragment: Annotated[bool, Query()] = False,
) -> Response:
    """Every campaign of the stream with its current run's progress; `fragment` answers the
    table alone (htmx polls it)."""
    tenant = operator.tenant(stream)
    query = CampaignQuery(filters=_filters(status, mode), limit=PAGE_SIZE, page=page)
    found = await CampaignService(session, tenant).search(query)
    snapshots = await ReportService(session, tenant).snapshots([v.row for v in found.views])
    template = "_campaign_table.html" if fragment else "campaigns.html"
    polling = any(v.row.status in MOVING for v in found.views)
    return html(
        request, template, operator=operator, stream=stream, page=found, snapshots=snapshots,
        status_filter=status, mode_filter=mode, page_number=page, statuses=STATUSES, modes=MODES,
        words=ACTION_WORDS, polling=polling,
    )  # fmt: skip


async def _form_context(
    session: AsyncSession, operator: Operator, stream: str, region: str
) -> dict[str, Any]:
    """The choices the campaign form offers: the stream's call lists and DNC lists."""
    lists = await ContactListService(session, operator.tenant(stream), region).all(None)
    dnc = [(v.row.name, v.row.name) for v in lists if v.row.list_type == "dnc"]
    return {
        "call_lists": [v.row.name for v in lists if v.row.list_type == "call"],
        "dnc_options": [("", "Choose a DNC list"), *dnc],
        "zones": time_zones(),
        "modes": MODES,
        "days": DAYS,
        "control_id": forms.control_id,
    }


async def _show_form(
    request: Request,
    session: AsyncSession,
    operator: Operator,
    stream: str,
    form: CampaignForm,
    campaign_id: str | None,
) -> Response:
    region = request.app.state.settings.default_region
    context = await _form_context(session, operator, stream, region)
    return html(
        request, "campaign_form.html", operator=operator, stream=stream, form=form,
        campaign_id=campaign_id, **context,
    )  # fmt: skip


async def new_campaign(
    request: Request, stream: str, operator: OperatorDep, session: ReadSessionDep
) -> Response:
    """The empty campaign form."""
    return await _show_form(request, session, operator, stream, forms.blank(), None)


async def create_campaign(
    request: Request,
    stream: str,
    operator: CheckedDep,
    session: SessionDep,
    sessions: SessionsDep,
    background: BackgroundTasks,
) -> Response:
    """Create from the form, or show it again with each error beside its field."""
    form = forms.from_submission(await request.form())
    data, origin = forms.body(form, scheduling=False)
    try:
        body = parse(CampaignBody, data)
        view = await CampaignService(session, operator.tenant(stream)).create(body, "v2")
    except ApiError as exc:
        await session.rollback()
        forms.place(form, exc.items, origin)
        return await _show_form(request, session, operator, stream, form, None)
    background.add_task(prepare, sessions, view.row.id)
    url = f"/ui/{stream}/campaigns/{view.row.id}"
    return redirect(request, url, f"Campaign {view.row.name} created.")


async def edit_campaign(
    request: Request, stream: str, campaign_id: str, operator: OperatorDep, session: ReadSessionDep
) -> Response:
    """The campaign form filled with the campaign's configuration."""
    view = await CampaignService(session, operator.tenant(stream)).get(campaign_id)
    return await _show_form(request, session, operator, stream, forms.from_view(view), view.row.id)


async def update_campaign(
    request: Request, stream: str, campaign_id: str, operator: CheckedDep, session: SessionDep
) -> Response:
    """Replace the configuration from the form (the API's PUT), or show the errors."""
    service = CampaignService(session, operator.tenant(stream))
    current = await service.get(campaign_id)
    form = forms.from_submission(await request.form())
    data, origin = forms.body(form, scheduling=current.row.scheduling_enabled)
    try:
        view = await service.update(campaign_id, parse(CampaignBody, data), "v2")
    except ApiError as exc:
        await session.rollback()
        forms.place(form, exc.items, origin)
        return await _show_form(request, session, operator, stream, form, campaign_id)
    url = f"/ui/{stream}/campaigns/{view.row.id}"
    return redirect(request, url, f"Campaign {view.row.name} saved.")


def _back(stream: str, target: str) -> str:
    """Where a trigger returns: a dashboard page of this stream, never another site."""
    return target if target.startswith(f"/ui/{stream}/") else f"/ui/{stream}/campaigns"


async def trigger_campaign(
    request: Request,
    stream: str,
    campaign_id: str,
    operator: CheckedDep,
    session: SessionDep,
    clock: ClockDep,
    wake: WakeDep,
    action: Annotated[str, Form(max_length=8)],
    back: Annotated[str, Form(alias="next", max_length=512)] = "",
) -> Response:
    """Start, pause, resume or stop; a refusal (409) comes back as the page's notice."""
    target = _back(stream, back)
    if action not in ACTION_WORDS:
        return redirect(request, target, f"Unknown action {action!r}.")
    service = RunService(session, operator.tenant(stream), wake)
    try:
        result = await service.trigger(campaign_id, action, clock.now())
    except ApiError as exc:
        if exc.status == 404:
            raise
        return redirect(request, target, exc.items[0].msg)
    return redirect(request, target, f"{result.message}.")
