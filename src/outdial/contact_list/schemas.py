"""Wire models for contact-list requests (spec §4.13)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

MAX_ADD_ROWS = 10_000


def _region(value: str) -> str:
    code = value.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a supported ISO 3166 region code")
    return code


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


ListName = Annotated[str, Field(min_length=1, max_length=48), AfterValidator(_not_blank)]
Description = Annotated[str, Field(max_length=256)]
Region = Annotated[str, AfterValidator(_region)]


class ContactListCreate(BaseModel):
    """createContactList. `listType: "dnc"` makes a do-not-call list (outdial extension)."""

    model_config = ConfigDict(extra="ignore")

    name: ListName
    description: Description
    source: Literal["passiveApi", "passiveApiIntegration"] = "passiveApi"
    allowDuplicates: StrictBool = False
    listType: Literal["call", "dnc"] = "call"
    isGlobalDNC: StrictBool = False
    defaultRegion: Region | None = Field(
        default=None, description="Region for national-format numbers (extension)"
    )

    @model_validator(mode="before")
    @classmethod
    def _documented_typo(cls, data: Any) -> Any:
        """Kore's v1 sample spells the name `name1`; accept it when `name` is absent."""
        if isinstance(data, dict) and "name" not in data and "name1" in data:
            return {**data, "name": data["name1"]}
        return data


class ContactListUpdate(BaseModel):
    """Update: every field optional; what is sent replaces what is stored."""

    model_config = ConfigDict(extra="ignore")

    name: ListName | None = None
    description: Description | None = None
    allowDuplicates: StrictBool | None = None
    isGlobalDNC: StrictBool | None = None
    defaultRegion: Region | None = None


class AddContactsBody(BaseModel):
    """addContacts: rows go to the list named `contact_list_name`."""

    model_config = ConfigDict(extra="ignore")

    contact_list_name: ListName
    data: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ADD_ROWS)]
    defaultRegion: Region | None = None


def _json_object(value: Any) -> Any:
    """A query parameter holding a JSON object, read into a dict."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ValueError('must be a JSON object like {"phoneNumber": "Mobile"}') from None


StandardField = Literal[
    "firstName", "lastName", "phoneNumber", "timeZone", "uniqueId", "contactPriority"
]  # fmt: skip
ColumnName = Annotated[str, Field(min_length=1, max_length=64)]
Mapping = Annotated[
    dict[StandardField, ColumnName],
    BeforeValidator(_json_object),
    WithJsonSchema({"type": "string", "examples": ['{"phoneNumber": "Mobile"}']}),
]


class ImportQuery(BaseModel):
    """Query parameters of a CSV import (outdial extension). `mapping` is a JSON object naming
    the file's column for standard fields, e.g. `{"phoneNumber": "Mobile"}`."""

    model_config = ConfigDict(extra="ignore")

    defaultRegion: Region | None = Field(
        default=None, description="Region for national-format numbers (else the list's)"
    )
    mapping: Mapping | None = Field(
        default=None, description='JSON object {field: column}, e.g. {"phoneNumber":"Mobile"}'
    )
    delimiter: Literal[",", ";"] | None = Field(
        default=None, description="Field separator (default: guessed from the header row)"
    )
    fileName: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(
        default=None, description="The file's name, for a text/csv body (multipart has one)"
    )
