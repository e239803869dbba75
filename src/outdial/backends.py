"""Build the telephony backend the settings name: `simulated` (the default) or `sip`.

This is composition, not telephony: the SIP backend gets its routes from the trunk package's
directory, so the two meet here, where `serve` and `worker` are put together, and telephony
itself imports kit only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from outdial.config import Settings
from outdial.kit.clock import Clock
from outdial.telephony.base import Telephony
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier
from outdial.telephony.sip.backend import SipTelephony
from outdial.telephony.sip.config import (
    SETTINGS_TRUNK,
    OnAnswer,
    SipConfig,
    TrunkConfig,
    check_flow_uri,
    check_trunk_uri,
)
from outdial.trunk.directory import TrunkDirectory


def carrier_profile(settings: Settings) -> CarrierProfile:
    return CarrierProfile(
        answer=settings.sim_answer,
        busy=settings.sim_busy,
        no_answer=settings.sim_no_answer,
        failed=settings.sim_failed,
        machine=settings.sim_machine,
        seed=settings.sim_seed,
    )


def settings_trunk(settings: Settings) -> TrunkConfig | None:
    """The trunk `OUTDIAL_SIP_*` describe, or None when no trunk URI is set."""
    if not settings.sip_trunk_uri:
        return None
    problem = check_trunk_uri(settings.sip_trunk_uri)
    if problem:
        raise ValueError(f"OUTDIAL_SIP_TRUNK_URI {problem}")
    return TrunkConfig(
        key=SETTINGS_TRUNK,
        uri=settings.sip_trunk_uri,
        transport=settings.sip_transport,
        username=settings.sip_username,
        password=settings.sip_password,
        cps=settings.sip_cps,
        max_calls=settings.sip_max_calls,
    )


def sip_config(settings: Settings) -> SipConfig:
    """The SIP backend's configuration; a malformed template is refused at start."""
    if settings.sip_flow_uri and (problem := check_flow_uri(settings.sip_flow_uri)):
        raise ValueError(f"OUTDIAL_SIP_FLOW_URI {problem}")
    return SipConfig(
        bind_host=settings.sip_bind_host,
        bind_port=settings.sip_bind_port,
        on_answer=OnAnswer.parse(settings.sip_on_answer),
        flow_uri=settings.sip_flow_uri,
        trunk=settings_trunk(settings),
    )


def build_telephony(settings: Settings, clock: Clock, db: Engine) -> Telephony:
    """The configured backend; `simulated` is the embedded default. The SIP backend finds
    per-account trunks and per-flow URIs in the database, on the process's blocking `db`."""
    if settings.telephony == "sip":
        config = sip_config(settings)
        return SipTelephony(config, clock, TrunkDirectory(db, config))
    log = Path(settings.sim_call_log) if settings.sim_call_log else None
    return SimulatedCarrier(clock, carrier_profile(settings), settings.sim_speed, log)
