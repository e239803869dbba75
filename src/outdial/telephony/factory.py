"""Build the telephony backend the settings name."""

from __future__ import annotations

from pathlib import Path

from outdial.config import Settings
from outdial.kit.clock import Clock
from outdial.telephony.base import Telephony
from outdial.telephony.simulated import CarrierProfile, SimulatedCarrier


def carrier_profile(settings: Settings) -> CarrierProfile:
    return CarrierProfile(
        answer=settings.sim_answer,
        busy=settings.sim_busy,
        no_answer=settings.sim_no_answer,
        failed=settings.sim_failed,
        machine=settings.sim_machine,
        seed=settings.sim_seed,
    )


def build_telephony(settings: Settings, clock: Clock) -> Telephony:
    """The configured backend; `simulated` is the embedded default."""
    log = Path(settings.sim_call_log) if settings.sim_call_log else None
    return SimulatedCarrier(clock, carrier_profile(settings), settings.sim_speed, log)
