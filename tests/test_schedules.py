"""Campaign schedules (spec §4.11): the endpoint's shapes and refusals in real time, and
runs starting by themselves in virtual time, across a daylight-saving change."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from outdial.models import Attempt, Campaign, DialTask, Run
from outdial.schedule.runner import run_scheduler
from outdial.schedule.schemas import ScheduleBody
from outdial.schedule.service import ScheduleService
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import World
from tests import invariants as inv
from tests.api import Api, campaign_body
from tests.kore import assert_same_shape, sample
from tests.scenarios import EVERY_DAY, campaign, hours, us_number
from tests.worlds import engine, in_virtual_time

NEXT_YEAR = datetime.now(UTC).year + 1


def schedule_body(kind: str = "daily") -> dict[str, Any]:
    """Kore's sample body, moved into next year (the sample's dates have passed)."""
    body = copy.deepcopy(sample(f"enable-voice-or-sms-campaign-schedule-{kind}-request"))
    body["startDateTime"] = f"{NEXT_YEAR}-01-1 18:29:00"
    body["endDateTime"] = f"{NEXT_YEAR}-02-27 18:29:00"
    return body


def schedule(api: Api, name: str, enable: bool, body: Any = None) -> Any:
    params = {"enableSchedule": "true" if enable else "false", "campaignName": name}
    return api.post("/campaign/schedule", params=params, json=body, query=False)


@pytest.fixture
def ready(api: Api) -> tuple[Api, dict[str, Any]]:
    lists, dnc = api.basic_setup()
    return api, api.create_campaign(campaign_body("Weekly Reminder", [lists], dnc))


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_enable_and_disable_match_the_samples(ready: tuple[Api, dict[str, Any]], kind: str) -> None:
    api, created = ready
    res = schedule(api, "weekly reminder", True, schedule_body(kind))
    assert res.status_code == 200, res.text
    expected = sample("enable-voice-or-sms-campaign-schedule-daily-response")
    assert_same_shape(res.json(), expected, {"message"})
    assert res.json() == {
        "status": "success",
        "id": created["id"],
        "message": "Campaign Weekly Reminder scheduled successfully",
    }
    got = api.get(f"/campaign/{created['id']}").json()["data"]
    assert got["status"] == "Scheduled"
    assert got["schedule"] == {"isSchedulingEnabled": True, "isRecurrenceEnabled": True}
    play = api.post(f"/campaign/{created['id']}", params={"trigger": "play"}, json={})
    assert play.status_code == 409
    off = schedule(
        api, "Weekly Reminder", False, sample("disable-voice-or-sms-campaign-schedule-request")
    )
    assert_same_shape(
        off.json(), sample("disable-voice-or-sms-campaign-schedule-response"), {"message"}
    )
    assert (
        off.json()["message"] == "Campaign Weekly Reminder schedule has been disabled successfully"
    )
    again = api.get(f"/campaign/{created['id']}").json()["data"]
    assert again["status"] == "Ready" and again["schedule"]["isSchedulingEnabled"] is False


def test_weekly_details_under_the_daily_name_are_accepted(
    ready: tuple[Api, dict[str, Any]],
) -> None:
    api, _ = ready
    body = schedule_body("weekly")
    body["recurrenceObject"]["dailyDetails"] = body["recurrenceObject"].pop("weeklyDetails")
    assert schedule(api, "Weekly Reminder", True, body).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startDateTime": "tomorrow"}, "startDateTime"),
        ({"startDateTime": f"{NEXT_YEAR}-02-30 10:00:00"}, "startDateTime"),
        ({"endDateTime": f"{NEXT_YEAR}-01-01 10:00:00"}, "endDateTime"),
        ({"startDateTime": "2020-01-01 10:00:00", "endDateTime": "2020-02-01 10:00:00"},
         "endDateTime"),
        ({"recurrenceObject": {"recurType": "Weekly", "weeklyDetails": {"onceEveryNweeks": 1}}},
         "recurrenceObject.weeklyDetails.whichDays"),
        ({"recurrenceObject": {"recurType": "Monthly"}}, "recurrenceObject.recurType"),
        ({"recurrenceObject": {"recurType": "Daily", "dailyDetails": {"onceEveryNdays": 0}}},
         "recurrenceObject.dailyDetails.onceEveryNdays"),
        ({"recurrenceObject": {"recurType": "Weekly", "weeklyDetails": {
            "onceEveryNweeks": 1, "whichDays": ["Funday"]}}},
         "recurrenceObject.weeklyDetails.whichDays[0]"),
    ],
)  # fmt: skip
def test_bad_schedules_are_refused_naming_the_field(
    ready: tuple[Api, dict[str, Any]], change: dict[str, Any], field: str
) -> None:
    api, created = ready
    res = schedule(api, "Weekly Reminder", True, {**schedule_body(), **change})
    assert res.status_code == 400, res.text
    assert field in {e.get("field") for e in res.json()["errors"]}
    assert api.get(f"/campaign/{created['id']}").json()["data"]["status"] == "Ready"


def test_unknown_busy_or_bodiless_schedules_are_refused(ready: tuple[Api, dict[str, Any]]) -> None:
    api, created = ready
    assert schedule(api, "Nope", True, schedule_body()).status_code == 404
    assert schedule(api, "Weekly Reminder", True).status_code == 400
    api.post(f"/campaign/{created['id']}", params={"trigger": "play"}, json={})
    busy = schedule(api, "Weekly Reminder", True, schedule_body())
    assert busy.status_code == 409 and busy.json()["errors"][0]["field"] == "enableSchedule"


# ---- virtual time ---------------------------------------------------------------------------

START = datetime(2026, 3, 2, 0, tzinfo=UTC)  # a Monday; New York springs forward on Sunday the 8th
NY_DAYTIME = hours(EVERY_DAY, "9:00 AM", "5:00 PM")


def plan(days: list[dict[str, str]] = NY_DAYTIME) -> Scenario:
    rows = [{"phoneNumber": us_number(i), "timeZone": "America/New_York"} for i in range(2)]
    return Scenario.model_validate(
        {
            "start": START.isoformat(),
            "lines": 2,
            "cps": 2,
            "contactLists": [{"name": "People", "contacts": rows}],
            "dncLists": [{"name": "Blocked", "numbers": []}],
            "campaign": campaign(
                ["People"], "Blocked", name="Sched", days=days, timezone="America/New_York"
            ),
        }
    )


async def scheduled_world(
    world: World, body: dict[str, Any], until: datetime, scenario: Scenario | None = None,
    between: Any = None,
) -> tuple[list[Run], list[Attempt], list[DialTask], Campaign]:  # fmt: skip
    """Set up, schedule, then let the scheduler and the engine run until `until`."""
    await world.setup(scenario or plan())
    async with world.sessions() as session:
        await ScheduleService(session, world.tenant).enable(
            "Sched", ScheduleBody.model_validate(body), world.clock.now()
        )
    worker = engine(world, {})
    tasks = [
        world.clock.spawn(worker.run(deadline=until)),
        world.clock.spawn(
            run_scheduler(
                world.sessions,
                world.clock,
                worker.waker.wake,
                lambda: world.clock.now() >= until,
                poll_s=3600,
            )
        ),
    ]
    if between is not None:
        tasks.append(world.clock.spawn(between(world)))
    await world.clock.join(*tasks)
    async with world.sessions() as session:
        runs = list(await session.scalars(select(Run).order_by(Run.started_at)))
        attempts = list(await session.scalars(select(Attempt).order_by(Attempt.started_at)))
        tasks_ = list(await session.scalars(select(DialTask)))
        row = await session.scalar(select(Campaign))
    assert row is not None
    return runs, attempts, tasks_, row


def daily(start: str, end: str) -> dict[str, Any]:
    return {
        "startDateTime": start,
        "endDateTime": end,
        "recurrenceObject": {"recurType": "Daily", "dailyDetails": {"onceEveryNdays": 1}},
    }


def test_daily_runs_keep_local_time_across_daylight_saving(database_url: str) -> None:
    body = daily("2026-03-05 09:00:00", "2026-03-10 09:00:00")

    async def go(world: World) -> Any:
        return await scheduled_world(world, body, datetime(2026, 3, 11, tzinfo=UTC))

    (runs, attempts, _, row), _ = in_virtual_time(database_url, START, go)
    starts = [r.started_at for r in runs]
    assert starts == [datetime(2026, 3, d, 14, tzinfo=UTC) for d in (5, 6, 7)] + [
        datetime(2026, 3, d, 13, tzinfo=UTC) for d in (8, 9, 10)
    ]
    assert len(attempts) == 12  # the whole list, every time
    assert (
        inv.outside_window(
            inv.calls_from_export(
                {
                    "attemptId": a.id,
                    "attemptNumber": a.attempt_no,
                    "phoneNumber": a.phone_number,
                    "timeZone": a.time_zone,
                    "startedAt": a.started_at.isoformat(),
                    "endedAt": None,
                    "outcome": a.outcome,
                }
                for a in attempts
            ),
            NY_DAYTIME,
        )
        == []
    )
    assert {r.status for r in runs} == {"Completed"}
    assert row.status == "Completed" and row.next_run_at is None


def test_weekly_runs_on_the_chosen_days(database_url: str) -> None:
    body = {
        "startDateTime": "2026-03-02 10:00:00",
        "endDateTime": "2026-03-16 10:00:00",
        "recurrenceObject": {
            "recurType": "Weekly",
            "weeklyDetails": {"onceEveryNweeks": 1, "whichDays": ["Mon", "Wed"]},
        },
    }

    async def go(world: World) -> Any:
        return await scheduled_world(world, body, datetime(2026, 3, 17, tzinfo=UTC))

    (runs, _, _, _), _ = in_virtual_time(database_url, START, go)
    local = [r.started_at.astimezone(inv.ZoneInfo("America/New_York")) for r in runs]
    assert [(d.month, d.day, d.hour) for d in local] == [
        (3, 2, 10),
        (3, 4, 10),
        (3, 9, 10),
        (3, 11, 10),
        (3, 16, 10),
    ]


def test_a_run_started_before_the_window_waits_for_it(database_url: str) -> None:
    body = daily("2026-03-03 07:00:00", "2026-03-03 07:00:00")
    body["endDateTime"] = "2026-03-04 06:00:00"

    async def go(world: World) -> Any:
        return await scheduled_world(world, body, datetime(2026, 3, 4, tzinfo=UTC))

    (runs, attempts, _, row), _ = in_virtual_time(database_url, START, go)
    assert [r.started_at for r in runs] == [datetime(2026, 3, 3, 12, tzinfo=UTC)]  # 07:00 EST
    assert min(a.started_at for a in attempts) == datetime(2026, 3, 3, 14, tzinfo=UTC)  # 09:00
    assert row.status == "Completed"


def test_each_start_rechecks_the_dnc_lists(database_url: str) -> None:
    body = daily("2026-03-03 09:00:00", "2026-03-04 09:00:00")

    async def block_after_first(world: World) -> None:
        await world.clock.sleep((datetime(2026, 3, 3, 20, tzinfo=UTC) - START).total_seconds())
        await world.add("Blocked", [{"phoneNumber": us_number(1)}])

    async def go(world: World) -> Any:
        return await scheduled_world(
            world, body, datetime(2026, 3, 5, tzinfo=UTC), between=block_after_first
        )

    (runs, attempts, tasks, _), _ = in_virtual_time(database_url, START, go)
    assert len(runs) == 2
    second = [t for t in tasks if t.run_id == runs[1].id]
    assert {(t.phone_number, t.disposition) for t in second} == {
        (us_number(0), "Connected"),
        (us_number(1), "DNC Excluded"),
    }
    assert [a.phone_number for a in attempts if a.run_id == runs[1].id] == [us_number(0)]


def test_scheduled_campaigns_rest_in_scheduled_between_runs(database_url: str) -> None:
    body = daily("2026-03-03 09:00:00", "2026-03-05 09:00:00")

    async def go(world: World) -> Any:
        return await scheduled_world(world, body, datetime(2026, 3, 4, 0, tzinfo=UTC))

    (runs, _, _, row), _ = in_virtual_time(database_url, START, go)
    assert len(runs) == 1 and runs[0].status == "Completed"
    assert row.status == "Scheduled"
    assert row.next_run_at == datetime(2026, 3, 4, 14, tzinfo=UTC) - timedelta(0)
