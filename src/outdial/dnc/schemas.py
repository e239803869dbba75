"""Wire model for removing numbers from a DNC list."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from outdial.contact_list.schemas import ListName, Region

MAX_REMOVE_ROWS = 10_000


class RemoveContactsBody(BaseModel):
    """removeContacts: same shape as addContacts; only `phoneNumber` is read from each row."""

    model_config = ConfigDict(extra="ignore")

    contact_list_name: ListName
    data: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_REMOVE_ROWS)]
    defaultRegion: Region | None = None
