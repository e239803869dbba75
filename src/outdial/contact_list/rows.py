"""Validation of one contact row, shared by addContacts and the CSV importer.

A row is a mapping of field name to value. The standard fields (firstName, lastName,
phoneNumber, timeZone, uniqueId, contactPriority) are checked and normalised; any other key is
a custom field that travels with the contact to the experience flow. Limits follow Kore's CSV
rules: at most 150 columns, values at most 300 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from outdial.kit.phone import InvalidNumberError, Number, is_time_zone, read_number

STANDARD_FIELDS = (
    "firstName",
    "lastName",
    "phoneNumber",
    "timeZone",
    "uniqueId",
    "contactPriority",
)
MAX_COLUMNS = 150
MAX_VALUE = 300
MAX_KEY = 64
PRIORITY_RANGE = (0, 1000)


@dataclass(frozen=True)
class RowError:
    """Why one field of one row was refused."""

    field: str
    reason: str


@dataclass
class ContactFields:
    """A validated row, ready to store."""

    phone_number: str
    number_zone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    time_zone: str | None = None
    unique_id: str | None = None
    contact_priority: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def _text(value: Any, name: str, errors: list[RowError]) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.append(RowError(name, "must be a string"))
        return None
    text = str(value)
    if len(text) > MAX_VALUE:
        errors.append(RowError(name, f"must be at most {MAX_VALUE} characters"))
        return None
    return text


def _phone(value: Any, region: str, errors: list[RowError]) -> Number:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        errors.append(RowError("phoneNumber", "is required"))
        return Number("", None)
    try:
        return read_number(value, region)
    except InvalidNumberError as exc:
        errors.append(RowError("phoneNumber", f"{value!r} is {exc}"))
        return Number("", None)


def _time_zone(value: Any, errors: list[RowError]) -> str | None:
    text = _text(value, "timeZone", errors)
    if text is not None and not is_time_zone(text):
        errors.append(RowError("timeZone", f"{text!r} is not an IANA time zone"))
        return None
    return text


def _priority(value: Any, errors: list[RowError]) -> int | None:
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    low, high = PRIORITY_RANGE
    if number is None or not low <= number <= high:
        errors.append(RowError("contactPriority", f"must be an integer from {low} to {high}"))
        return None
    return number


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_VALUE
    return value is None or isinstance(value, bool | int | float)


def _custom(row: Mapping[str, Any], errors: list[RowError]) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    for key, value in row.items():
        if key in STANDARD_FIELDS:
            continue
        if not key.strip() or len(key) > MAX_KEY:
            errors.append(RowError(key, f"column names must be 1 to {MAX_KEY} characters"))
        elif _scalar(value):
            custom[key] = value
        else:
            errors.append(RowError(key, f"must be a scalar of at most {MAX_VALUE} characters"))
    return custom


def validate_row(row: Mapping[str, Any], region: str) -> ContactFields | list[RowError]:
    """The stored form of a row, or every reason it is refused."""
    if len(row) > MAX_COLUMNS:
        return [RowError("", f"a contact may have at most {MAX_COLUMNS} columns")]
    errors: list[RowError] = []
    number = _phone(row.get("phoneNumber"), region, errors)
    fields = ContactFields(
        phone_number=number.e164,
        number_zone=number.zone,
        first_name=_text(row.get("firstName"), "firstName", errors),
        last_name=_text(row.get("lastName"), "lastName", errors),
        time_zone=_time_zone(row.get("timeZone"), errors),
        unique_id=_text(row.get("uniqueId"), "uniqueId", errors),
        contact_priority=_priority(row.get("contactPriority"), errors),
        custom=_custom(row, errors),
    )
    return errors or fields
