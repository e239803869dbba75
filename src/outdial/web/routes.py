"""Every dashboard URL, in one table (none is part of the API or its OpenAPI document)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from outdial.web import campaign_page, campaigns, lists, signin, uploads

S = "/ui/{stream}"
C = f"{S}/campaigns/{{campaign_id}}"
L = f"{S}/lists/{{list_id}}"
PAGES: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("GET", "/ui", signin.home),
    ("GET", "/ui/signin", signin.sign_in_page),
    ("POST", "/ui/signin", signin.sign_in),
    ("POST", "/ui/signout", signin.sign_out),
    ("GET", "/ui/switch", signin.switch_stream),
    ("GET", f"{S}/campaigns", campaigns.campaigns_page),
    ("GET", f"{S}/campaigns/new", campaigns.new_campaign),
    ("POST", f"{S}/campaigns/new", campaigns.create_campaign),
    ("GET", C, campaign_page.campaign_page),
    ("GET", f"{C}/live", campaign_page.live_panel),
    ("GET", f"{C}/attempts", campaign_page.attempts_table),
    ("GET", f"{C}/attempts.csv", campaign_page.attempts_csv),
    ("GET", f"{C}/edit", campaigns.edit_campaign),
    ("POST", f"{C}/edit", campaigns.update_campaign),
    ("POST", f"{C}/trigger", campaigns.trigger_campaign),
    ("GET", f"{S}/lists", lists.lists_page),
    ("POST", f"{S}/lists", lists.create_list),
    ("GET", L, lists.list_page),
    ("GET", f"{L}/contacts", lists.contacts_table),
    ("POST", f"{L}/numbers", lists.add_numbers),
    ("POST", f"{L}/numbers/remove", lists.remove_dnc_numbers),
    ("GET", f"{L}/import", uploads.import_status),
    ("GET", f"{L}/imports/{{job_id}}/refused.csv", uploads.refused_csv),
    ("POST", uploads.UPLOAD_PATH, uploads.upload),
)


@functools.cache
def router() -> APIRouter:
    """The dashboard's routes; built once per process, like the API's."""
    built = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    for method, path, endpoint in PAGES:
        built.add_api_route(path, endpoint, methods=[method], include_in_schema=False)
    return built
