"""The campaign form, as the API's own create/update body.

Each control is named by the JSON path of the field it fills (`dialingStrategy.maxRingTime`),
the body is validated by the same `CampaignBody` model and `CampaignService` rules as the API,
and each error lands beside the control its `field` names, with the API's exact message.
Calling hours are a week grid (a row per day, a few windows per row) that becomes the `days`
array; an error about `days[3]` is shown on the row that item came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from outdial.campaign.service import CampaignView
from outdial.kit.errors import ErrorItem
from outdial.kit.hours import DAYS, format_clock, parse_clock

DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                            "Saturday", "Sunday"), strict=True))  # fmt: skip
SLOTS, MAX_SLOTS = 2, 12
TEXT = (
    "name", "description", "dncLists.name", "priority", "dialingMode", "experienceFlowName",
    "queue_name", "maxSkips", "enableMachineDetect", "dialingStrategy.callerId.phoneNumber",
    "dialingStrategy.callingHours.frequency", "dialingStrategy.callingHours.timezone",
    "dialingStrategy.dialingOrder", "dialingStrategy.maxAttemptsPerRecord",
    "dialingStrategy.defaultRetryPeriod", "dialingStrategy.maxRingTime",
)  # fmt: skip
INTEGERS = frozenset(
    {"maxSkips", "dialingStrategy.maxAttemptsPerRecord", "dialingStrategy.defaultRetryPeriod",
     "dialingStrategy.maxRingTime"}
)  # fmt: skip
OPTIONAL = frozenset({"dncLists.name", "experienceFlowName", "queue_name", "maxSkips"})
DEFAULTS = {
    "priority": "3", "dialingMode": "Agentless", "enableMachineDetect": "no",
    "dialingStrategy.callingHours.frequency": "WEEKLY",
    "dialingStrategy.callingHours.timezone": "America/New_York",
    "dialingStrategy.dialingOrder": "FIFO", "dialingStrategy.maxAttemptsPerRecord": "3",
    "dialingStrategy.defaultRetryPeriod": "10", "dialingStrategy.maxRingTime": "30",
}  # fmt: skip
_DAY_ITEM = re.compile(r"^dialingStrategy\.callingHours\.days\[(\d+)\](?:\.(\w+))?$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class DayRow:
    """One day of the week grid: on or off, and its windows as `HH:MM` pairs."""

    code: str
    on: bool
    windows: list[tuple[str, str]]

    @property
    def name(self) -> str:
        return DAY_NAMES[self.code]


@dataclass
class CampaignForm:
    """What the form shows: values by path, chosen lists, the grid, and errors by control."""

    values: dict[str, str]
    lists: list[str]
    days: list[DayRow]
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def slots(self) -> int:
        return max([SLOTS, *(len(d.windows) for d in self.days)])

    def value(self, path: str) -> str:
        return self.values.get(path, "")

    def row_errors(self, code: str) -> list[str]:
        """Every message about a day's row or its windows."""
        prefix = f"day-{code}"
        return [m for key, ms in self.errors.items() if key.startswith(prefix) for m in ms]


def to_clock(value: str) -> str:
    """`13:05` (a time input) as the API's `1:05 PM`; anything else is passed on as typed,
    so the API's own message explains what is wrong with it."""
    match = _HHMM.match(value.strip())
    return format_clock(int(match[1]) * 60 + int(match[2])) if match else value.strip()


def from_clock(value: str) -> str:
    """`1:05 PM` as a time input's `13:05`."""
    minutes = parse_clock(value)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def blank() -> CampaignForm:
    """A new campaign: weekdays 9 to 6, three attempts ten minutes apart."""
    days = [DayRow(code, code not in ("SA", "SU"), [("09:00", "18:00")]) for code in DAYS]
    return CampaignForm(dict(DEFAULTS), [], days)


def from_view(view: CampaignView) -> CampaignForm:
    """The form for editing an existing campaign."""
    row = view.row
    values = {
        "name": row.name, "description": row.description, "priority": row.priority,
        "dncLists.name": view.dnc[1] if view.dnc else "", "dialingMode": row.dialing_mode,
        "experienceFlowName": view.flow_name or "", "queue_name": row.queue_name or "",
        "maxSkips": "" if row.max_skips is None else str(row.max_skips),
        "enableMachineDetect": row.machine_detect,
        "dialingStrategy.callerId.phoneNumber": row.caller_id,
        "dialingStrategy.callingHours.frequency": row.frequency,
        "dialingStrategy.callingHours.timezone": row.timezone,
        "dialingStrategy.dialingOrder": row.dialing_order,
        "dialingStrategy.maxAttemptsPerRecord": str(row.max_attempts),
        "dialingStrategy.defaultRetryPeriod": str(row.retry_period_min),
        "dialingStrategy.maxRingTime": str(row.max_ring_time_s),
    }  # fmt: skip
    days = []
    for code in DAYS:
        windows = [
            (from_clock(d["start"]), from_clock(d["end"])) for d in row.days if d["day"] == code
        ]
        days.append(DayRow(code, bool(windows), windows or [("09:00", "18:00")]))
    return CampaignForm(values, list(view.list_names), days)


def _windows(data: FormData, code: str, count: int) -> list[tuple[str, str]]:
    """A grid row's windows as submitted (`day-MO-0-start`, `day-MO-0-end`, ...)."""
    cells = [
        (data.get(f"day-{code}-{k}-start"), data.get(f"day-{code}-{k}-end")) for k in range(count)
    ]
    return [(str(start or ""), str(end or "")) for start, end in cells]


def from_submission(data: FormData) -> CampaignForm:
    """The form as the browser sent it."""
    values = {path: str(data.get(path) or "") for path in TEXT}
    lists = [str(v) for v in data.getlist("contactLists")]
    slots = str(data.get("slots") or SLOTS)
    count = min(int(slots), MAX_SLOTS) if slots.isdigit() and int(slots) > 0 else SLOTS
    days = [
        DayRow(code, data.get(f"day-{code}-on") == "on", _windows(data, code, count))
        for code in DAYS
    ]
    return CampaignForm(values, lists, days)


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[leaf] = value


def _scalar(path: str, raw: str) -> Any:
    """A text control's value as the API body would carry it (integers as numbers)."""
    if path in INTEGERS and re.fullmatch(r"[+-]?\d{1,9}", raw):
        return int(raw)
    return raw


def body(form: CampaignForm, scheduling: bool) -> tuple[dict[str, Any], dict[int, str]]:
    """The API body, and for each `days` index the grid control it came from."""
    data: dict[str, Any] = {
        "campaignType": "voice",
        "schedule": {"isSchedulingEnabled": scheduling},
    }
    for path in TEXT:
        raw = form.value(path).strip()
        if raw or (path not in OPTIONAL and path not in INTEGERS):
            _set(data, path, _scalar(path, raw))
    data["contactLists"] = list(form.lists)
    days: list[dict[str, str]] = []
    origin: dict[int, str] = {}
    for row in form.days:
        windows = [(s, e) for s, e in row.windows if s.strip() or e.strip()] if row.on else []
        for slot, (start, end) in enumerate(windows or ([("", "")] if row.on else [])):
            origin[len(days)] = f"day-{row.code}-{slot}"
            days.append({"day": row.code, "start": to_clock(start), "end": to_clock(end)})
    _set(data, "dialingStrategy.callingHours.days", days)
    return data, origin


def _control(item_field: str, origin: dict[int, str]) -> str:
    """The control (or grid cell) an error's field path points at."""
    match = _DAY_ITEM.match(item_field)
    if match and int(match[1]) in origin:
        cell = origin[int(match[1])]
        return f"{cell}-{match[2]}" if match[2] in ("start", "end") else cell
    if item_field.startswith("dialingStrategy.callingHours.days"):
        return "hours"
    if item_field.startswith("contactLists"):
        return "contactLists"
    if item_field.startswith("dncLists"):
        return "dncLists.name"
    return item_field


def place(form: CampaignForm, items: list[ErrorItem], origin: dict[int, str]) -> None:
    """Attach each error to its control; those naming no control go to the form's top."""
    for item in items:
        key = _control(item.field, origin) if item.field else ""
        known = key in TEXT or key in ("hours", "contactLists") or key.startswith("day-")
        if known:
            form.errors.setdefault(key, []).append(item.msg)
        else:
            form.general.append(item.msg)


def control_id(path: str) -> str:
    """An HTML id for a control named by a JSON path."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)
