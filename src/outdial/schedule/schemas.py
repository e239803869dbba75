"""Wire models for the schedule endpoint, accepting every documented spelling."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator

_WALL = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*$")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_ALIASES = {
    "MO": "MON",
    "TU": "TUE",
    "WE": "WED",
    "TH": "THU",
    "FR": "FRI",
    "SA": "SAT",
    "SU": "SUN",
}


def _wall_time(value: str) -> str:
    """Kore writes `YYYY-MM-DD HH:mm:ss`, sometimes without zero padding (`2026-01-1`)."""
    match = _WALL.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a date and time like 2026-01-27 18:29:00")
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match[6] or 0)
    try:
        parsed = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date and time: {exc}") from exc
    return parsed.isoformat(sep=" ")


def _weekday(value: str) -> str:
    code = value.strip().upper()[:3]
    code = _ALIASES.get(value.strip().upper(), code)
    if code not in WEEKDAYS:
        raise ValueError(f"{value!r} is not a weekday (Mon ... Sun)")
    return code


WallTime = Annotated[str, AfterValidator(_wall_time)]
Weekday = Annotated[str, AfterValidator(_weekday)]


class Details(BaseModel):
    """`dailyDetails` / `weeklyDetails` (the weekly table names it dailyDetails too)."""

    model_config = ConfigDict(extra="ignore")

    onceEveryNdays: Annotated[StrictInt, Field(ge=1, le=365)] | None = None
    onceEveryNweeks: Annotated[StrictInt, Field(ge=1, le=52)] | None = None
    whichDays: Annotated[list[Weekday], Field(min_length=1, max_length=7)] | None = None


class Recurrence(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recurType: Literal["Daily", "Weekly"]
    dailyDetails: Details | None = None
    weeklyDetails: Details | None = None

    @model_validator(mode="before")
    @classmethod
    def _type_any_case(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("recurType"), str):
            return {**data, "recurType": data["recurType"].strip().capitalize()}
        return data

    def details(self) -> Details:
        return self.weeklyDetails or self.dailyDetails or Details()


class ScheduleBody(BaseModel):
    """enableSchedule=true: when the recurrence starts and ends, and how it repeats."""

    model_config = ConfigDict(extra="ignore")

    startDateTime: WallTime
    endDateTime: WallTime
    recurrenceObject: Recurrence
