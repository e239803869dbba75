"""SCENARIO.json for `outdial simulate`: the wire model, field names as documented."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CarrierMix(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: float = Field(0.6, ge=0, le=1)
    busy: float = Field(0.1, ge=0, le=1)
    noAnswer: float = Field(0.2, ge=0, le=1)
    failed: float = Field(0.05, ge=0, le=1)
    machine: float = Field(0.05, ge=0, le=1)


class ScenarioList(BaseModel):
    name: str
    contacts: list[dict[str, Any]]


class ScenarioDnc(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    is_global: bool = Field(False, alias="global")
    numbers: list[str] = []


class DncAddition(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    list_name: str = Field(alias="list")
    numbers: list[str]


class Scenario(BaseModel):
    """SCENARIO.json, as documented in the README."""

    start: datetime
    seed: int = 0
    lines: int = Field(10, ge=1)
    cps: float = Field(5.0, gt=0)
    carrier: CarrierMix = CarrierMix()
    contactLists: list[ScenarioList]
    dncLists: list[ScenarioDnc] = []
    dncAdditions: list[DncAddition] = []
    campaign: dict[str, Any]
    until: datetime | None = None
