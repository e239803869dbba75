"""SIP benchmark: calls per second sustained against SIPp on loopback, with zero failed calls.

SIPp (tests/sipp/callee.xml) answers every call; outdial's SIP backend is offered calls at a
steady rising ladder of rates (through its trunk limiter, set well above the rate), each call
held `HOLD_S` seconds and hung up with BYE. A rate is sustained when every call was answered
and ended cleanly (no failed outcome, no failed call in SIPp's own statistics) and the INVITEs
really left at that rate (at least 95% of it, measured on the wire). The figure is the
highest sustained rate. The same ladder is run with SIPp as the caller too (its built-in
`uac` scenario), as the baseline: what the machine itself sustains on loopback, measured in
the same run.

`OUTDIAL_BENCH_SIP_SECONDS` sets how long each rate is held (default 10 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.sipp.harness import Sipp, free_port, require_sipp

from outdial.kit.clock import SystemClock
from outdial.telephony.base import CallRequest, Outcome
from outdial.telephony.sip.backend import SipTelephony
from outdial.telephony.sip.config import OnAnswer, SipConfig, TrunkConfig
from outdial.telephony.sip.message import Message

LADDER = (100, 200, 400, 600, 800, 1000, 1500, 2000, 2500, 3000, 4000, 5000)
SECONDS = float(os.environ.get("OUTDIAL_BENCH_SIP_SECONDS", "10"))
HOLD_S = 1.0
SUSTAINED = 0.95


def _number(i: int) -> str:
    """A distinct number callee.xml answers (it ends in 777, which is no status code)."""
    return f"+1{2000000 + i:07d}777"


async def _place(
    telephony: SipTelephony, calls: int, cps: int
) -> tuple[list[Outcome], float, list[float]]:
    """Offer `calls` calls at a steady `cps` (each started on its schedule, as SIPp's `-r`
    does); returns the outcomes, the loop time the schedule began and the INVITE times."""
    sent: dict[str, float] = {}

    def watch(direction: str, message: Message, peer: Any, at: float) -> None:
        if direction == "out" and message.method == "INVITE":
            sent.setdefault(message.call_id, at)

    telephony.endpoint.observers.append(watch)
    await telephony.start()
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Future[Any]] = []
    begin = loop.time()
    try:
        for i in range(calls):
            delay = begin + i / cps - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            request = CallRequest(f"att-{i}-1", _number(i), "+14155550100", 30.0, None, "no")
            tasks.append(asyncio.ensure_future(telephony.place_call(request)))
        results = await asyncio.gather(*tasks)
    finally:
        await telephony.close()
    return [r.outcome for r in results], begin, sorted(sent.values())


def outdial_rate(cps: int, workdir: Path) -> dict[str, Any]:
    """outdial calling SIPp at `cps` for SECONDS."""
    calls = int(cps * SECONDS)
    with Sipp("callee.xml", workdir, calls=calls) as far:
        trunk = TrunkConfig("bench", far.trunk_uri, cps=4.0 * cps, max_calls=100_000)
        config = SipConfig("127.0.0.1", 0, OnAnswer("hangup", HOLD_S), "", trunk)
        outcomes, begin, times = asyncio.run(
            _place(SipTelephony(config, SystemClock()), calls, cps)
        )
        far.wait(SECONDS * 4 + 60)
        sipp_failed = int(far.stats()["FailedCall(C)"])
    failed = sum(1 for o in outcomes if o is not Outcome.ANSWERED)
    # every INVITE must have left by the end of its schedule: late ones stretch the span
    span = (times[-1] - begin) + 1 / cps if times else float("inf")
    achieved = len(times) / span
    return {
        "cps": cps,
        "calls": calls,
        "achievedCps": round(achieved, 1),
        "failed": failed,
        "sippFailed": sipp_failed,
        "sustained": failed == 0 and sipp_failed == 0 and achieved >= SUSTAINED * cps,
    }


def sipp_rate(cps: int, workdir: Path) -> dict[str, Any]:
    """SIPp's own UAC calling SIPp at `cps` for SECONDS (the machine's baseline)."""
    calls = int(cps * SECONDS)
    with Sipp("callee.xml", workdir / "uas", calls=calls) as far:
        port = free_port()
        command = [require_sipp(), "-sn", "uac", "-i", "127.0.0.1", "-p", str(port)]
        command += ["-mp", str(port + 2), "-cp", str(port + 6), "-nostdin"]
        command += ["-r", str(cps), "-m", str(calls), "-d", str(int(HOLD_S * 1000))]
        command.append(f"127.0.0.1:{far.port}")
        started = time.monotonic()
        uac = subprocess.run(command, cwd=workdir, capture_output=True, check=False)
        far.wait(SECONDS * 4 + 60)
        elapsed = time.monotonic() - started - HOLD_S
        sipp_failed = int(far.stats()["FailedCall(C)"])
    answered = far.final_responses().get(200, 0)
    achieved = (calls - 1) / elapsed if elapsed > 0 else 0.0
    return {
        "cps": cps,
        "calls": calls,
        "achievedCps": round(min(achieved, float(cps)), 1),
        "failed": calls - answered + (uac.returncode != 0),
        "sippFailed": sipp_failed,
        "sustained": answered == calls and sipp_failed == 0 and achieved >= SUSTAINED * cps,
    }


def _ladder(measure: Any, root: Path, name: str) -> tuple[int, list[dict[str, Any]]]:
    best, rows = 0, []
    for cps in LADDER:
        row = measure(cps, root / f"{name}-{cps}")
        rows.append(row)
        print(f"  sip {name} {row}", flush=True)
        if not row["sustained"]:
            break
        best = cps
    return best, rows


def sustained_cps() -> dict[str, Any]:
    """The highest rate outdial sustains against SIPp, and SIPp against itself."""
    require_sipp()
    with tempfile.TemporaryDirectory(prefix="outdial-bench-sip-") as tmp:
        root = Path(tmp)
        ours, our_rows = _ladder(outdial_rate, root, "outdial")
        theirs, their_rows = _ladder(sipp_rate, root, "sipp")
    summary = {
        "bench": "sipSustainedCps",
        "secondsPerRate": SECONDS,
        "holdSeconds": HOLD_S,
        "outdialCps": ours,
        "sippToSippCps": theirs,
        "ratio": round(ours / theirs, 2) if theirs else None,
    }
    print(json.dumps(summary), flush=True)
    return {**summary, "outdial": our_rows, "sipp": their_rows}
