"""Call-backs (spec §4.10, callContactAt): per-item answers in real time, and the calls they
cause in virtual time (in the window, and outside it: at the next opening)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from outdial.config import Settings
from outdial.kit.db import make_sync_engine
from outdial.models import Attempt
from outdial.run.callbacks import schedule_callbacks
from outdial.run.schemas import CallbackItem
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World
from outdial.telephony.base import Outcome
from tests.api import Api, campaign_body
from tests.kore import sample
from tests.scenarios import campaign, hours, us_number
from tests.worlds import engine, in_virtual_time


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No dialer: records stay where the test puts them."""
    return Settings(database_url=database_url, dialer=False)


@pytest.fixture
def running(api: Api) -> tuple[Api, str, str, list[dict[str, Any]]]:
    """A started campaign: (api, campaign id, run id, its records)."""
    lists, dnc = api.basic_setup()
    created = api.create_campaign(campaign_body("Callbacks", [lists], dnc))
    run = api.post(f"/campaign/{created['id']}", params={"trigger": "play"}, json={})
    run_id = run.json()["campaignInstanceId"]
    records = api.get(f"/campaign/{created['id']}/runs/{run_id}/records").json()["data"]
    return api, created["id"], run_id, records["results"]


def call_back(api: Api, run_id: str, body: Any) -> Any:
    return api.post(f"/campaign/{run_id}/callContactAt", json=body, query=False)


def test_the_documented_sample(running: tuple[Api, str, str, list[dict[str, Any]]]) -> None:
    api, _, run_id, _ = running
    res = call_back(api, run_id, sample("create-call-back-schedule-v2-request"))
    assert res.status_code == 200, res.text
    expected = sample("create-call-back-schedule-v2-response")
    expected["data"][0]["campaignDialingListId"] = sample("create-call-back-schedule-v2-request")[
        0
    ]["campaignDialingListId"]  # the docs mask it differently in request and response
    assert res.json() == expected


def test_each_item_gets_its_own_answer(running: tuple[Api, str, str, list[dict[str, Any]]]) -> None:
    api, campaign_id, run_id, records = running
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    good = records[0]["campaignDialingListId"]
    other_run = "cid-0000001-0000-4000-8000-000000000000"
    body = [
        {"campaignDialingListId": good, "timeToContact": later.isoformat().replace("+00:00", "Z")},
        {"campaignDialingListId": other_run, "timeToContact": "2100-01-01T00:00:00Z"},
        {"campaignDialingListId": "garbage", "timeToContact": "2100-01-01T00:00:00Z"},
        {"campaignDialingListId": good, "timeToContact": "next tuesday"},
    ]
    res = call_back(api, run_id, body)
    assert [(d["status"], d["reason"]) for d in res.json()["data"]] == [
        ("success", "scheduled"),
        ("failed", "not_found"),
        ("failed", "not_found"),
        ("failed", "invalid_time"),
    ]
    rows = api.get(f"/campaign/{campaign_id}/runs/{run_id}/records").json()["data"]["results"]
    scheduled = next(r for r in rows if r["campaignDialingListId"] == good)
    assert (scheduled["state"], scheduled["waitingFor"]) == ("WAITING", "callback")
    assert scheduled["nextAttemptAt"] == later.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_records_in_a_call_or_a_finished_run_are_refused(
    running: tuple[Api, str, str, list[dict[str, Any]]], database_url: str
) -> None:
    api, campaign_id, run_id, records = running
    engine_ = make_sync_engine(database_url)
    with engine_.begin() as conn:
        conn.execute(
            text("UPDATE dial_tasks SET state = 'DIALING' WHERE run_id = :r"), {"r": run_id}
        )
    engine_.dispose()
    item = {
        "campaignDialingListId": records[0]["campaignDialingListId"],
        "timeToContact": "2100-01-01T00:00:00Z",
    }
    assert call_back(api, run_id, [item]).json()["data"][0]["reason"] == "in_call"
    api.post(f"/campaign/{campaign_id}", params={"trigger": "stop"}, json={})
    assert call_back(api, run_id, [item]).json()["data"][0]["reason"] == "run_not_active"


def test_malformed_requests_and_unknown_runs(
    running: tuple[Api, str, str, list[dict[str, Any]]],
) -> None:
    api, _, run_id, _ = running
    assert call_back(api, run_id, {"campaignDialingListId": "x"}).status_code == 400
    assert call_back(api, run_id, []).status_code == 400
    missing = call_back(api, run_id, [{"campaignDialingListId": "x"}])
    assert (
        missing.status_code == 400 and missing.json()["errors"][0]["field"] == "[0].timeToContact"
    )
    unknown = "cid-0000000-0000-4000-8000-000000000000"
    assert (
        call_back(api, unknown, sample("create-call-back-schedule-v2-request")).status_code == 404
    )


# ---- virtual time ---------------------------------------------------------------------------

START = datetime(2026, 3, 4, 14, tzinfo=UTC)  # Wednesday, 14:00 UTC


def plan() -> Scenario:
    rows = [{"phoneNumber": us_number(0), "timeZone": "UTC"}]
    body = campaign(
        ["People"],
        "Blocked",
        days=hours(("MO", "TU", "WE", "TH", "FR"), "9:00 AM", "5:00 PM"),
        timezone="UTC",
        attempts=2,
        retry=600,
    )
    return Scenario.model_validate(
        {
            "start": START.isoformat(),
            "lines": 1,
            "cps": 1,
            "contactLists": [{"name": "People", "contacts": rows}],
            "dncLists": [{"name": "Blocked", "numbers": []}],
            "campaign": body,
        }
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 4, 15, 30, tzinfo=UTC), datetime(2026, 3, 4, 15, 30, tzinfo=UTC)),
        (datetime(2026, 3, 4, 20, 0, tzinfo=UTC), datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
    ],
    ids=["in-the-window", "outside-it"],
)
def test_a_call_back_dials_at_its_time_or_the_next_opening(
    database_url: str, at: datetime, expected: datetime
) -> None:
    async def body(world: World) -> list[datetime]:
        campaign_id = await world.setup(plan())
        run_id = await world.trigger(campaign_id)
        worker = engine(world, {us_number(0): [Outcome.BUSY]})  # busy: waits 10 h to retry
        first = world.clock.spawn(worker.run(deadline=START + timedelta(minutes=5)))
        await world.clock.join(first)
        async with world.sessions() as session:
            task_id = (await session.scalars(select(Attempt.task_id))).one()
            item = CallbackItem(
                campaignDialingListId=f"cid-{task_id:07x}-{run_id.split('-', 2)[2]}",
                timeToContact=at.isoformat(),
            )
            answer = await schedule_callbacks(
                session, world.tenant, run_id, [item], world.clock.now()
            )
        assert answer[0]["status"] == "success"
        again = engine(world, {us_number(0): [Outcome.BUSY, Outcome.ANSWERED]})
        await again.run(until=lambda: again.active_runs == 0)
        async with world.sessions() as session:
            return list(await session.scalars(select(Attempt.started_at).order_by(Attempt.id)))

    starts, _ = in_virtual_time(database_url, START, body)
    assert starts == [START, expected]
