"""A whole campaign through the SIP backend, against SIPp as the carrier.

Everything is set up through the API: a trunk for the account (pointing at SIPp), the
experience flow's SIP URI, a call list and an Agentless campaign whose calling hours are open
now. SIPp answers by the number dialed (tests/sipp/callee.xml): answers (and accepts the
REFER to the flow), busy, rings until the CANCEL, refuses with 4xx/5xx/6xx. Busy, unanswered
and failed numbers are retried once; to avoid waiting a real retry period, the app runs on a
clock the test moves forward by a minute once every first attempt is over. At the end, the
outcome counts of outdial's attempts export must equal SIPp's own tally of the final
responses it sent, and every INVITE SIPp saw must name one of the exported attempts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from outdial.app import create_app
from outdial.apps.service import Credentials
from outdial.config import Settings
from tests.api import Api, campaign_body
from tests.sipp.harness import Sipp, require_sipp, sipp
from tests.test_attempts_export import ShiftedClock
from tests.test_triggers import attempts, open_hours, status, triggered, wait_for, working_zone

# numbers per final response SIPp gives (180: rings until cancelled, then 487)
MIX = {200: 6, 486: 3, 600: 1, 180: 3, 480: 1, 408: 1, 404: 2, 484: 1, 604: 1, 503: 3, 403: 1,
       500: 1}  # fmt: skip
OUTCOME = {
    200: "answered", 486: "busy", 600: "busy", 487: "no_answer", 480: "no_answer",
    408: "no_answer", 404: "invalid", 484: "invalid", 604: "invalid", 503: "failed",
    403: "failed", 500: "failed",
}  # fmt: skip
FLOW_TARGET = "sip:renewals@ivr.example.com"
WAIT_S = 180.0


def numbers() -> list[str]:
    """Distinct numbers whose last three digits tell SIPp how to answer."""
    return [f"+1415555{i}{code}" for code, count in MIX.items() for i in range(count)]


@pytest.fixture
def far(tmp_path: Path) -> Iterator[Sipp]:
    require_sipp()
    with sipp("callee.xml", tmp_path / "sipp") as process:
        yield process


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def client(settings: Settings, clock: ShiftedClock) -> Iterator[TestClient]:
    sip = settings.model_copy(
        update={
            "dialer": True, "telephony": "sip", "sip_bind_port": 0, "sip_on_answer": "refer",
            "tick_seconds": 0.05, "default_lines": 40, "default_cps": 25.0,
        }
    )  # fmt: skip
    app = create_app(sip)
    app.state.clock = clock
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, creds: Credentials) -> Api:
    return Api(client, creds, creds.streams[0])


def prepare(api: Api, far: Sipp) -> str:
    """Trunk, list, campaign and flow URI through the API; returns the campaign id."""
    res = api.post(
        "/sip/trunks", json={"name": "SIPp", "uri": far.trunk_uri, "cps": 20, "maxCalls": 30}
    )
    assert res.status_code == 200, res.text
    zone = working_zone()
    api.create_list("SIP list")
    api.create_list("SIP dnc", "dnc")
    rows = [{"phoneNumber": n, "timeZone": zone, "uniqueId": n} for n in numbers()]
    assert api.add_contacts("SIP list", rows).status_code == 200
    body = campaign_body("SIP campaign", ["SIP list"], "SIP dnc", experienceFlowName="SIP Flow")
    body["dialingStrategy"].update(
        {"callingHours": open_hours(zone), "maxAttemptsPerRecord": 2, "defaultRetryPeriod": 1,
         "maxRingTime": 5}
    )  # fmt: skip
    campaign = api.create_campaign(body)["id"]
    wait_for(lambda: status(api, campaign) == "Ready", "the campaign to be Ready")
    flows = api.get("/sip/flows").json()["data"]
    [flow] = [f for f in flows if f["name"] == "SIP Flow"]
    res = api.put(f"/sip/flows/{flow['_id']}", json={"sipUri": FLOW_TARGET})
    assert res.status_code == 200, res.text
    return str(campaign)


def first_attempts_over(api: Api, campaign: str) -> list[dict[str, Any]] | None:
    rows = attempts(api, campaign)
    done = [r for r in rows if r["attemptNumber"] == 1 and r["outcome"] != "in_progress"]
    return rows if len(done) == len(numbers()) else None


def test_campaign_outcomes_match_sipps_own_statistics(
    api: Api, far: Sipp, clock: ShiftedClock
) -> None:
    campaign = prepare(api, far)
    triggered(api, campaign, "play")
    wait_for(lambda: first_attempts_over(api, campaign), "every first attempt", WAIT_S)
    clock.offset += timedelta(minutes=1, seconds=1)  # the retry period passes
    wait_for(lambda: status(api, campaign) == "Completed", "the run to complete", WAIT_S)
    rows = attempts(api, campaign)
    far.stop()

    ours = Counter(r["outcome"] for r in rows)
    theirs: Counter[str] = Counter()
    for code, count in far.final_responses().items():
        theirs[OUTCOME[code]] += count
    assert ours == theirs, f"outdial {dict(ours)} != SIPp {dict(theirs)}"
    assert dict(ours) == {"answered": 6, "busy": 8, "no_answer": 10, "invalid": 4, "failed": 10}

    counts = far.counts()
    assert counts["0_INVITE_Recv"] == len(rows) == 38
    assert far.total("_CANCEL_Recv") == 6 and far.total("_REFER_Recv") == 6
    assert far.stats()["FailedCall(C)"] == "0"
    headers = set(re.findall(r"X-Outdial-Attempt: (\S+)", far.messages()))
    assert headers == {r["attemptId"] for r in rows}
    for row in rows:
        if row["outcome"] == "answered":
            assert row["reason"] == f"transferred to {FLOW_TARGET} (NOTIFY: SIP/2.0 200 OK)"
        if row["outcome"] == "invalid":
            assert row["attemptNumber"] == 1, "invalid numbers are never retried"
