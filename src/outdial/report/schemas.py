"""Wire model of the contact-outcome report's body."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt


def _blank(value: Any) -> Any:
    return None if value == "" else value


class ContactsQuery(BaseModel):
    """`status?view=contacts` body: `page` from 1, `limit` at most 100 (Kore's bound)."""

    model_config = ConfigDict(extra="ignore")

    page: Annotated[StrictInt | None, BeforeValidator(_blank), Field(ge=1)] = None
    limit: Annotated[StrictInt | None, BeforeValidator(_blank), Field(ge=1, le=100)] = None
    campaignInstanceId: str | None = None
