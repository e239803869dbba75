"""A seeded, deterministic carrier that runs on any clock.

Each attempt's fate is drawn from its own random stream, seeded by the carrier seed, the
number and the attempt, so the same scenario gives the same calls whatever order the engine
places them in. Ring and talk times pass on the clock (divided by `speed` for demos); ringing
past the attempt's ring timeout ends as no answer at the timeout, as a real dialer's CANCEL
would. Answering machines follow the campaign's setting: `detect` hands the call to the flow
and reports a machine, `disconnect` hangs up once detected, `no` treats it as a person.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from outdial.kit.clock import Clock
from outdial.kit.timefmt import iso
from outdial.telephony.base import CallRequest, CallResult, Outcome

MASK64 = (1 << 64) - 1
QUICK_FAILURE_S = 1.0
DETECTION_S = 3.0


@dataclass(frozen=True)
class CarrierProfile:
    """Probabilities of each fate (what is left over is invalid numbers) and durations."""

    answer: float = 0.6
    busy: float = 0.1
    no_answer: float = 0.2
    failed: float = 0.05
    machine: float = 0.05
    ring_s: tuple[float, float] = (2.0, 25.0)
    talk_s: tuple[float, float] = (20.0, 120.0)
    seed: int = 0
    # number -> the fate of its 1st, 2nd, ... attempt (the last repeats); overrides the draw
    script: Mapping[str, Sequence[Outcome]] = field(default_factory=dict)

    def shares(self) -> tuple[tuple[Outcome, float], ...]:
        return (
            (Outcome.ANSWERED, self.answer),
            (Outcome.BUSY, self.busy),
            (Outcome.NO_ANSWER, self.no_answer),
            (Outcome.FAILED, self.failed),
            (Outcome.MACHINE, self.machine),
        )

    def __post_init__(self) -> None:
        shares = [share for _, share in self.shares()]
        if any(share < 0 for share in shares) or sum(shares) > 1.0 + 1e-9:
            raise ValueError("carrier probabilities must be >= 0 and add up to at most 1")


class SimulatedCarrier:
    """The embedded default backend; can append every call it sees to a JSONL log."""

    def __init__(
        self, clock: Clock, profile: CarrierProfile, speed: float = 1.0, log: Path | None = None
    ) -> None:
        self.clock = clock
        self.profile = profile
        self.speed = speed
        self.log = log

    def _draws(self, request: CallRequest) -> tuple[float, float, float]:
        """Three uniform numbers in [0, 1) that depend only on the seed, the number and the
        attempt number (splitmix64 over a BLAKE2 hash: cheap, and the same everywhere)."""
        key = f"{self.profile.seed}|{request.to}|{request.attempt_no}"
        state = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
        out = []
        for _ in range(3):
            state = (state + 0x9E3779B97F4A7C15) & MASK64
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            out.append(((z ^ (z >> 31)) >> 11) * 2.0**-53)
        return out[0], out[1], out[2]

    def _fate(self, draw: float) -> Outcome:
        for outcome, share in self.profile.shares():
            if draw < share:
                return outcome
            draw -= share
        return Outcome.INVALID

    async def _wait(self, seconds: float) -> None:
        await self.clock.sleep(seconds / self.speed)

    def _scripted(self, request: CallRequest) -> Outcome | None:
        fates = self.profile.script.get(request.to)
        if not fates:
            return None
        return fates[min(request.attempt_no, len(fates)) - 1]

    async def place_call(self, request: CallRequest) -> CallResult:
        fate_draw, ring_draw, talk_draw = self._draws(request)
        fate = self._scripted(request) or self._fate(fate_draw)
        ring = _within(self.profile.ring_s, ring_draw)
        talk = _within(self.profile.talk_s, talk_draw)
        self._record("start", request, self.clock.now())
        result = await self._play(request, fate, ring, talk)
        self._record("end", request, result.ended_at, result.outcome.value)
        return result

    async def _play(
        self, request: CallRequest, fate: Outcome, ring: float, talk: float
    ) -> CallResult:
        """The whole call is one wait on the clock; its moments are computed up front."""
        start = self.clock.now()
        if fate in (Outcome.INVALID, Outcome.FAILED, Outcome.BUSY):
            await self._wait(QUICK_FAILURE_S)
            return CallResult(fate, start, self.clock.now(), reason=f"simulated {fate.value}")
        if fate is Outcome.NO_ANSWER or ring >= request.ring_timeout_s:
            await self._wait(request.ring_timeout_s)
            return CallResult(Outcome.NO_ANSWER, start, self.clock.now(), reason="ring timeout")
        answered = start + timedelta(seconds=ring / self.speed)
        if fate is Outcome.MACHINE and request.machine_detect == "disconnect":
            await self._wait(ring + DETECTION_S)
            return CallResult(Outcome.MACHINE, start, self.clock.now(), answered, "hung up")
        await self._wait(ring + talk)
        machine = fate is Outcome.MACHINE and request.machine_detect == "detect"
        outcome = Outcome.MACHINE if machine else Outcome.ANSWERED
        return CallResult(outcome, start, self.clock.now(), answered, "", request.flow_id)

    def _record(self, event: str, request: CallRequest, at: datetime, outcome: str = "") -> None:
        """The far end's own log: what a carrier would bill, for tests to audit the dialer."""
        if self.log is None:
            return
        line = {
            "pid": os.getpid(),
            "event": event,
            "attemptId": request.attempt_id,
            "to": request.to,
            "at": iso(at),
            "outcome": outcome,
        }
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    async def close(self) -> None:
        return None


def _within(bounds: tuple[float, float], draw: float) -> float:
    return bounds[0] + (bounds[1] - bounds[0]) * draw
