"""Wire models of the run endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CallbackItem(BaseModel):
    """One entry of the request array."""

    model_config = ConfigDict(extra="ignore")

    campaignDialingListId: str = Field(min_length=1, max_length=128)
    timeToContact: str = Field(min_length=1, max_length=64)
