"""Reports against runs of known outcomes on a scripted simulated carrier: the contact
outcome report (spec §4.9), run summaries and run records (extensions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World
from outdial.telephony.base import Outcome
from tests.kore import assert_same_shape, sample
from tests.scenarios import EVERY_DAY, campaign, hours, us_number
from tests.worlds import api_on, engine, in_virtual_time, play_to_the_end

START = datetime(2026, 3, 4, 15, tzinfo=UTC)
A, B, N, F = Outcome.ANSWERED, Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED
# record -> fates of its attempts; record 4 is on the DNC list
SCRIPT = {
    us_number(0): [A],
    us_number(1): [B, B, A],
    us_number(2): [N],
    us_number(3): [Outcome.INVALID],
    us_number(5): [Outcome.MACHINE],
    us_number(6): [F],
}
EXPECTED = [  # phone, attempts, disposition, botOutboundStatus
    (us_number(0), 1, "Connected", "userHangUp"),
    (us_number(1), 3, "Connected", "userHangUp"),
    (us_number(2), 3, "No Answer", "noAnswer"),
    (us_number(3), 1, "Failed", "invalidNumber"),
    (us_number(4), 0, "DNC Excluded", "dncExcluded"),
    (us_number(5), 1, "Answering Machine", "answeringMachine"),
    (us_number(6), 3, "Failed", "failed"),
]


def plan() -> Scenario:
    rows = [{"phoneNumber": us_number(i), "uniqueId": f"u{i}", "timeZone": "UTC"} for i in range(7)]
    body = campaign(
        ["People"],
        "Blocked",
        days=hours(EVERY_DAY, "12:00 AM", "11:59 PM"),
        timezone="UTC",
        attempts=3,
        retry=10,
        machine="detect",
    )
    return Scenario.model_validate(
        {
            "start": START.isoformat(),
            "lines": 3,
            "cps": 5,
            "contactLists": [{"name": "People", "contacts": rows}],
            "dncLists": [{"name": "Blocked", "numbers": [us_number(4)]}],
            "campaign": body,
        }
    )


@pytest.fixture
def finished(database_url: str) -> tuple[Any, Any]:
    """A campaign run to completion against the script; returns (campaign id, credentials)."""

    async def body(world: World) -> str:
        return await play_to_the_end(world, plan(), SCRIPT)

    return in_virtual_time(database_url, START, body)


def contacts(api: Any, campaign_id: str, **body: Any) -> Any:
    return api.post(
        f"/campaign/{campaign_id}/status", params={"view": "contacts"}, json=body, query=False
    )


def test_contact_report_counts_are_exact(finished: tuple[Any, Any], database_url: str) -> None:
    campaign_id, creds = finished
    with api_on(database_url, creds) as api:
        res = contacts(api, campaign_id, page=1, limit=100)
    assert res.status_code == 200, res.text
    got = res.json()
    assert_same_shape(
        got,
        sample("get-all-contact-details-voice-campaigns-v2-response"),
        {
            "uniqueId",
            "dialerOutcome",
            "numberOfAttemptsSoFar",
            "botSessionId",
            "agentDispositionCodes",
            "botOutboundStatus",
            "botOutboundStatusDetail",
            "totalResults",
        },
    )
    rows = got["data"]["results"]
    assert [
        (
            r["phoneNumber"],
            r["numberOfAttemptsSoFar"],
            r["agentDispositionCodes"],
            r["botOutboundStatus"],
        )
        for r in rows
    ] == [(phone, n, [disp], status) for phone, n, disp, status in EXPECTED]
    assert {r["dialerOutcome"] for r in rows} == {"completed"}
    assert [r["uniqueId"] for r in rows] == [f"u{i}" for i in range(7)]
    connected = [r for r in rows if r["agentDispositionCodes"] == ["Connected"]]
    assert all(len(r["botSessionId"]) == 24 for r in connected)
    assert got["data"]["totalResults"] == 7 and got["data"]["totalPages"] == 1


def test_contact_report_pages(finished: tuple[Any, Any], database_url: str) -> None:
    campaign_id, creds = finished
    with api_on(database_url, creds) as api:
        page = contacts(api, campaign_id, page=3, limit=3).json()["data"]
        assert [r["phoneNumber"] for r in page["results"]] == [us_number(6)]
        assert (page["page"], page["limit"], page["totalPages"], page["totalResults"]) == (
            3,
            3,
            3,
            7,
        )
        refused = contacts(api, campaign_id, limit=101)
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "limit"
        sample_body = sample("get-all-contact-details-voice-campaigns-v2-request")
        assert contacts(api, campaign_id, **sample_body).status_code == 200


def test_run_summary_totals_are_exact(finished: tuple[Any, Any], database_url: str) -> None:
    campaign_id, creds = finished
    with api_on(database_url, creds) as api:
        runs = api.get(f"/campaign/{campaign_id}/runs").json()["data"]
        assert len(runs) == 1
        run = runs[0]
        one = api.get(f"/campaign/{campaign_id}/runs/{run['campaignInstanceId']}").json()["data"]
    assert one == run
    assert run["status"] == "Completed" and run["endedAt"] is not None
    assert run["records"] == 7 and run["recordsByState"] == {"done": 7}
    assert run["attempts"] == 12
    assert run["outcomes"] == {
        "answered": 2,
        "busy": 2,
        "no_answer": 3,
        "invalid": 1,
        "machine": 1,
        "failed": 3,
    }
    assert run["dispositions"] == {
        "Connected": 2,
        "No Answer": 1,
        "Failed": 2,
        "DNC Excluded": 1,
        "Answering Machine": 1,
    }
    assert run["connectRate"] == round(2 / 12, 4) and run["contactRate"] == round(2 / 6, 4)
    assert run["waitingForWindow"] == 0


def test_records_carry_the_dialing_ids(finished: tuple[Any, Any], database_url: str) -> None:
    campaign_id, creds = finished
    with api_on(database_url, creds) as api:
        run = api.get(f"/campaign/{campaign_id}/runs").json()["data"][0]["campaignInstanceId"]
        page = api.get(f"/campaign/{campaign_id}/runs/{run}/records", params={"limit": 4}).json()
        rows = page["data"]["results"]
        assert len(rows) == 4 and page["data"]["hasMore"] and page["data"]["totalResults"] == 7
        assert all(r["campaignDialingListId"].startswith("cid-") for r in rows)
        assert rows[1]["attempts"] == 3 and rows[1]["disposition"] == "Connected"
        done = api.get(f"/campaign/{campaign_id}/runs/{run}/records", params={"state": "DONE"})
        assert done.json()["data"]["totalResults"] == 7


def test_reports_of_another_run_and_before_any_run(database_url: str) -> None:
    async def body(world: World) -> tuple[str, str, str]:
        campaign_id = await play_to_the_end(world, plan(), SCRIPT)
        first = await world.trigger(campaign_id)  # a second run, all answering now
        worker = engine(world, {})
        await worker.run(until=lambda: worker.active_runs == 0)
        idle = await world.campaign(campaign(["People"], "Blocked", name="Idle"))
        return campaign_id, first, idle

    (campaign_id, second, idle), creds = in_virtual_time(database_url, START, body)
    with api_on(database_url, creds) as api:
        runs = api.get(f"/campaign/{campaign_id}/runs").json()["data"]
        assert runs[0]["campaignInstanceId"] == second and len(runs) == 2
        current = contacts(api, campaign_id).json()["data"]["results"]
        assert {tuple(r["agentDispositionCodes"]) for r in current} == {
            ("Connected",),
            ("DNC Excluded",),
        }
        older = runs[1]["campaignInstanceId"]
        res = api.post(
            f"/campaign/{campaign_id}/status",
            query=False,
            params={"view": "contacts", "campaignInstanceId": older},
            json={},
        )
        assert res.json()["data"]["results"][2]["agentDispositionCodes"] == ["No Answer"]
        empty = contacts(api, idle).json()["data"]
        assert empty["results"] == [] and empty["totalResults"] == 0
        missing = api.get(f"/campaign/{campaign_id}/runs/cid-0000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
