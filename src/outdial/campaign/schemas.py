"""Wire models for campaign requests: every field and limit of spec §3.1.

Shape and range rules live here; rules that need the database or depend on the dialing mode
(lists exist, flow or queue present) live in the service, which names the field the same way.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from outdial.kit.hours import DAYS, format_clock, parse_clock
from outdial.kit.phone import InvalidNumberError, is_time_zone, to_e164

MACHINE_DETECT = ("no", "detect", "disconnect")
Status = Literal[
    "Active", "Completed", "Ready", "Paused", "Preparing", "Stopped", "Scheduled", "Rescheduled"
]
STATUSES: tuple[str, ...] = get_args(Status)
DialingMode = Literal["Agentless", "Progressive", "Preview"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _priority(value: Any) -> str:
    """Kore sends priority as a string ("5"); an integer 1-5 is accepted too."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return str(value)
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
        return value.strip()
    raise ValueError('must be "1", "2", "3", "4" or "5"')


def _machine_detect(value: Any) -> str:
    """v2 sends "no" | "detect" | "disconnect"; v1 sends a boolean (true means detect)."""
    if isinstance(value, bool):
        return "detect" if value else "no"
    if isinstance(value, str) and value.strip().lower() in MACHINE_DETECT:
        return value.strip().lower()
    raise ValueError('must be "no", "detect", "disconnect" or a boolean')


def _clock(value: str) -> str:
    return format_clock(parse_clock(value))


def _time_zone(value: str) -> str:
    if not is_time_zone(value):
        raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Kolkata")
    return value


def _caller_id(value: str) -> str:
    if not value.strip().startswith("+"):
        raise ValueError(f"{value!r} must be in E.164 form, like +14155550123")
    try:
        return to_e164(value, "ZZ")
    except InvalidNumberError as exc:
        raise ValueError(f"{value!r} is {exc}") from exc


Name = Annotated[str, Field(min_length=1, max_length=48), AfterValidator(_not_blank)]
Text256 = Annotated[str, Field(max_length=256)]
Label = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_not_blank)]
Priority = Annotated[str, BeforeValidator(_priority)]
MachineDetect = Annotated[str, BeforeValidator(_machine_detect)]
ClockTime = Annotated[str, AfterValidator(_clock)]


class CallingDay(BaseModel):
    day: Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> CallingDay:
        if parse_clock(self.start) >= parse_clock(self.end):
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


class CallingHours(BaseModel):
    frequency: Literal["WEEKLY", "DAILY", "CUSTOM"]
    timezone: Annotated[str, AfterValidator(_time_zone)]
    days: Annotated[list[CallingDay], Field(min_length=1, max_length=7 * 12)]

    @field_validator("days")
    @classmethod
    def _no_overlap(cls, days: list[CallingDay]) -> list[CallingDay]:
        """Several windows per day are allowed, but they may not overlap."""
        for code in DAYS:
            spans = sorted(
                (parse_clock(d.start), parse_clock(d.end)) for d in days if d.day == code
            )
            for (_, end), (start, _) in pairwise(spans):
                if start < end:
                    raise ValueError(f"calling hours on {code} overlap")
        return days


class CallerId(BaseModel):
    phoneNumber: Annotated[str, AfterValidator(_caller_id)]


class DialingStrategy(BaseModel):
    model_config = ConfigDict(extra="ignore")

    callerId: CallerId
    callingHours: CallingHours
    dialingOrder: Literal["FIFO", "LIFO"]
    maxAttemptsPerRecord: Annotated[StrictInt, Field(ge=1, le=100)]
    defaultRetryPeriod: Annotated[StrictInt, Field(ge=1, le=1440)]
    maxRingTime: Annotated[StrictInt, Field(ge=5, le=120)]


class DncRef(BaseModel):
    name: Name


class ScheduleFlag(BaseModel):
    model_config = ConfigDict(extra="ignore")

    isSchedulingEnabled: StrictBool = False


class CampaignBody(BaseModel):
    """A campaign as sent to create or (full-replace) update, in any documented form."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    description: Text256
    contactLists: Annotated[list[Name], Field(min_length=1, max_length=50)]
    dncLists: DncRef | None = None
    priority: Priority
    dialingMode: DialingMode
    dialingStrategy: DialingStrategy
    schedule: ScheduleFlag | None = None
    experienceFlowName: Label | None = None
    queue_name: Label | None = None
    maxSkips: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    enableMachineDetect: MachineDetect | None = None
    campaignType: Literal["voice", "sms"] = "voice"


class SortBy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Literal["asc", "desc"] | None = None
    createdAt: Literal["asc", "desc"] | None = None
    updatedAt: Literal["asc", "desc"] | None = None


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


Paging = Annotated[StrictInt | None, BeforeValidator(_empty_to_none)]


class ListFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: list[Status] | None = None
    priority: list[Priority] | None = None
    dialingMode: list[DialingMode] | None = None


class CampaignQuery(BaseModel):
    """getAllCampaignDetails body: type, paging (numbers or ""), dates, sort and filters."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["voice", "sms"] = "voice"
    limit: Annotated[Paging, Field(ge=1, le=500)] = None
    skip: Annotated[Paging, Field(ge=0)] = None
    page: Annotated[Paging, Field(ge=1)] = None
    startDate: Annotated[datetime | None, BeforeValidator(_empty_to_none)] = None
    endDate: Annotated[datetime | None, BeforeValidator(_empty_to_none)] = None
    sortBy: SortBy | None = None
    filters: ListFilters | None = None
