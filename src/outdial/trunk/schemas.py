"""Wire models for trunks and flow SIP URIs (outdial extension)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from outdial.telephony.sip.config import check_sip_uri, check_trunk_uri

MAX_CPS = 10_000.0
MAX_CALLS = 100_000


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _trunk_uri(value: str) -> str:
    problem = check_trunk_uri(value)
    if problem:
        raise ValueError(problem)
    return value


def _sip_uri(value: str | None) -> str | None:
    problem = check_sip_uri(value) if value is not None else None
    if problem:
        raise ValueError(problem)
    return value


TrunkName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_not_blank)]
TrunkUri = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(_trunk_uri)]
Username = Annotated[str, Field(max_length=128)]
Password = Annotated[str, Field(max_length=256)]
Cps = Annotated[float, Field(ge=0.01, le=MAX_CPS, strict=True)]
MaxCalls = Annotated[StrictInt, Field(ge=1, le=MAX_CALLS)]
Transport = Literal["udp", "tcp"]


class TrunkCreate(BaseModel):
    """A trunk: `uri` is a request-URI template with {number} (E.164 with +) or {digits}."""

    model_config = ConfigDict(extra="ignore")

    name: TrunkName
    uri: TrunkUri
    transport: Transport = "udp"
    username: Username = ""
    password: Password = ""
    cps: Cps = 10.0
    maxCalls: MaxCalls = 100
    isDefault: StrictBool = False


class TrunkUpdate(BaseModel):
    """What is sent replaces what is stored; `password: ""` removes the password."""

    model_config = ConfigDict(extra="ignore")

    name: TrunkName | None = None
    uri: TrunkUri | None = None
    transport: Transport | None = None
    username: Username | None = None
    password: Password | None = None
    cps: Cps | None = None
    maxCalls: MaxCalls | None = None
    isDefault: StrictBool | None = None


class FlowUpdate(BaseModel):
    """A flow's SIP URI; null removes it (the OUTDIAL_SIP_FLOW_URI template applies)."""

    model_config = ConfigDict(extra="ignore")

    sipUri: Annotated[str | None, Field(max_length=512), AfterValidator(_sip_uri)] = Field(
        description="sip:user@host[:port], or null"
    )
