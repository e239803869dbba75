"""Triggers (spec §4.5, §4.6, §5): play, stop, pause and resume on every documented path form,
the state machine, and what the running dialer does about each of them.

The dialer runs inside the app with the simulated carrier, sped up (`sim_speed`) and answering
every call unless a test says otherwise (`sim` parameter). Calling hours are seven days,
12:00 AM-11:59 PM in a zone whose local time is mid-day now, so a run dials at once; campaigns
that must stay Active without dialing get hours that are closed now instead. Every wait polls
with a generous timeout; nothing asserts on how long the dialer takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from outdial.config import Settings
from outdial.kit.hours import DAYS, format_clock
from tests.api import V2, V2_SHORT, Api, campaign_body
from tests.kore import assert_same_shape, sample
from tests.waiting import wait_for, wait_passes

T = TypeVar("T")
V1_CAMPAIGN = "/campaign/api/v1/public/{stream}"
GLOBAL_DNC = "Default Global DNC"
TIMEOUT_S = 30.0
# Spread so that at any instant one of them reads between 08:00 and 16:00 local time.
ZONES = (
    "Pacific/Honolulu", "America/Los_Angeles", "America/New_York", "UTC", "Europe/Berlin",
    "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland",
)  # fmt: skip
# A fast carrier that answers every call; tests override parts through `sim`.
FAST = {
    "sim_speed": 500.0, "tick_seconds": 0.05, "sim_seed": 1, "sim_answer": 1.0,
    "sim_busy": 0.0, "sim_no_answer": 0.0, "sim_failed": 0.0, "sim_machine": 0.0,
    "default_cps": 50.0, "default_lines": 10,
}  # fmt: skip
SLOW = {"sim_speed": 40.0, "default_lines": 3}


# ---- settings ----------------------------------------------------------------------------


@pytest.fixture
def sim() -> dict[str, Any]:
    """Per-test settings changes (override with `@pytest.mark.parametrize("sim", ...)`)."""
    return {}


@pytest.fixture
def settings(settings: Settings, sim: dict[str, Any]) -> Settings:
    """conftest's settings with the dialer on and the fast simulated carrier."""
    return settings.model_copy(update={"dialer": True, **FAST, **sim})


# ---- helpers -----------------------------------------------------------------------------


def working_zone() -> str:
    """A zone where it is now between 08:00 and 16:00, far from any day boundary."""
    now = datetime.now(UTC)
    for name in ZONES:
        if 8 <= now.astimezone(ZoneInfo(name)).hour < 16:
            return name
    raise AssertionError("no zone is at mid-day now")  # pragma: no cover - ZONES cover 24 h


def open_hours(zone: str) -> dict[str, Any]:
    days = [{"day": d, "start": "12:00 AM", "end": "11:59 PM"} for d in DAYS]
    return {"frequency": "WEEKLY", "timezone": zone, "days": days}


def closed_hours(zone: str) -> dict[str, Any]:
    """One hour a day, starting six hours from now: closed now, every day."""
    start = (datetime.now(UTC).astimezone(ZoneInfo(zone)).hour + 6) % 24
    days = [
        {"day": d, "start": format_clock(start * 60), "end": format_clock(start * 60 + 60)}
        for d in DAYS
    ]
    return {"frequency": "WEEKLY", "timezone": zone, "days": days}


def with_hours(body: dict[str, Any], hours: dict[str, Any]) -> dict[str, Any]:
    """A copy of a campaign body with other calling hours."""
    return {**body, "dialingStrategy": {**body["dialingStrategy"], "callingHours": hours}}


def phone(index: int) -> str:
    return f"+1415555{110 + index:04d}"


@dataclass
class Setup:
    """A campaign made through the API, with what the tests need to know about it."""

    id: str
    name: str
    body: dict[str, Any]
    zone: str
    phones: list[str]
    unique_ids: list[str]
    list_name: str
    dnc_name: str


def make_campaign(
    api: Api, name: str, contacts: int = 6, *, open_now: bool = True, **strategy: Any
) -> Setup:
    """A call list of `contacts` numbers in a mid-day zone, an empty DNC list and a Ready
    Agentless campaign over them; `strategy` overrides dialingStrategy keys."""
    zone = working_zone()
    list_name, dnc_name = f"{name} list", f"{name} dnc"
    api.create_list(list_name)
    api.create_list(dnc_name, "dnc")
    phones = [phone(i) for i in range(contacts)]
    unique_ids = [f"{name}-u{i}" for i in range(contacts)]
    rows = [
        {"phoneNumber": p, "timeZone": zone, "uniqueId": u, "firstName": f"F{i}"}
        for i, (p, u) in enumerate(zip(phones, unique_ids, strict=True))
    ]
    res = api.add_contacts(list_name, rows)
    assert res.status_code == 200, res.text
    body = campaign_body(name, [list_name], dnc_name)
    body["dialingStrategy"]["callingHours"] = open_hours(zone) if open_now else closed_hours(zone)
    body["dialingStrategy"].update(strategy)
    created = api.create_campaign(body)
    setup = Setup(created["id"], name, body, zone, phones, unique_ids, list_name, dnc_name)
    wait_for(lambda: status(api, setup.id) == "Ready", "the campaign to be Ready")
    return setup


# Every documented spelling of the trigger call: (path, prefix, extra query).
FORMS: dict[str, tuple[str, str, dict[str, str]]] = {
    "v2 short": ("/campaign/trigger/{id}", V2_SHORT, {"campaignType": "voice"}),
    "v2": ("/campaign/trigger/{id}", V2, {"campaignType": "voice"}),
    "v2 double slash": ("/campaign//trigger/{id}", V2, {"campaignType": "voice"}),
    "v2 query": ("/campaign/{id}", V2, {"campaignType": "voice"}),
    "v1": ("/campaign/{id}", V1_CAMPAIGN, {"campaignType": "voice"}),
}


def trigger(
    api: Api, campaign_id: str, action: str | None, form: str = "v2 short"
) -> httpx.Response:
    path, prefix, query = FORMS[form]
    params = dict(query)
    if action is not None:
        params["trigger"] = action
    if form == "v1":  # v1 sends accountId as a header only
        headers = {"accountId": api.account}
        return api.post(
            path.format(id=campaign_id),
            prefix=prefix,
            query=False,
            params=params,
            headers=headers,
            json={},
        )
    return api.post(path.format(id=campaign_id), prefix=prefix, params=params, json={})


def triggered(api: Api, campaign_id: str, action: str, form: str = "v2 short") -> dict[str, Any]:
    res = trigger(api, campaign_id, action, form)
    assert res.status_code == 200, f"{form} {action}: {res.status_code} {res.text}"
    return dict(res.json())


def status(api: Api, campaign_id: str) -> str:
    res = api.post(f"/campaign/{campaign_id}/status", params={"view": "status"}, json={})
    assert res.status_code == 200, res.text
    return str(res.json()["data"]["status"])


def attempts(api: Api, campaign_id: str, run_id: str | None = None) -> list[dict[str, Any]]:
    params = {"format": "json", **({"campaignInstanceId": run_id} if run_id else {})}
    res = api.get(f"/campaign/{campaign_id}/attempts", params=params)
    assert res.status_code == 200, res.text
    return list(res.json()["data"])


def in_progress(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["outcome"] == "in_progress"]


def finished_attempts(api: Api, campaign_id: str) -> list[dict[str, Any]] | None:
    """The attempts once there are some and none is still in progress, else None."""
    rows = attempts(api, campaign_id)
    return rows if rows and not in_progress(rows) else None


def wait_status(api: Api, campaign_id: str, wanted: str, timeout: float = TIMEOUT_S) -> None:
    wait_for(lambda: status(api, campaign_id) == wanted, f"status {wanted}", timeout)


def assert_conflict(res: httpx.Response, field: str | None = "trigger") -> dict[str, Any]:
    assert res.status_code == 409, res.text
    errors = res.json()["errors"]
    assert len(errors) == 1 and errors[0]["code"] == 409 and errors[0]["msg"], errors
    if field is not None:
        assert errors[0].get("field") == field, errors
    return dict(errors[0])


def settle(api: Api) -> None:
    """Let the service's dialer run several passes in which it could act on what the test
    just did, so "nothing was dialed" means the dialer chose not to."""
    wait_passes(api.client.app, 3)


# ---- responses match Kore's samples ------------------------------------------------------


def test_play_and_stop_answer_like_the_v2_samples(api: Api) -> None:
    camp = make_campaign(api, "Samples v2", open_now=False)
    played = triggered(api, camp.id, "play")
    assert_same_shape(played, sample("start-voice-campaign-v2-response"))
    assert played["campaignInstanceId"].startswith("cid-")
    assert played["status"] == "Active" and played["totalCallsCompleted"] == 0
    stopped = triggered(api, camp.id, "stop")
    assert_same_shape(stopped, sample("stop-voice-campaign-v2-response"))
    assert stopped["campaignInstanceId"] == played["campaignInstanceId"]


def test_v1_path_answers_like_the_v1_samples(api: Api) -> None:
    camp = make_campaign(api, "Samples v1", open_now=False)
    played = triggered(api, camp.id, "play", "v1")
    assert_same_shape(played, sample("start-voice-campaign-response"))
    assert played["campaignInstanceId"].startswith("cid-")
    assert played["totalCallsCompleted"] == 0
    stopped = triggered(api, camp.id, "stop", "v1")
    assert_same_shape(stopped, sample("stop-voice-campaign-response"))
    assert stopped["campaignInstanceId"] == played["campaignInstanceId"]


def test_every_path_form_plays_pauses_resumes_and_stops(api: Api) -> None:
    camp = make_campaign(api, "Path forms", open_now=False)
    runs = []
    for form in FORMS:
        played = triggered(api, camp.id, "play", form)
        assert played["status"] == "Active", form
        assert status(api, camp.id) == "Active", form
        assert triggered(api, camp.id, "pause", form)["status"] == "Paused", form
        assert status(api, camp.id) == "Paused", form
        resumed = triggered(api, camp.id, "resume", form)
        assert resumed["status"] == "Active", form
        assert resumed["campaignInstanceId"] == played["campaignInstanceId"], form
        assert triggered(api, camp.id, "stop", form)["status"] == "Stopped", form
        assert status(api, camp.id) == "Stopped", form
        runs.append(played["campaignInstanceId"])
    assert len(set(runs)) == len(FORMS), "every play starts a new run"


# ---- the state machine -------------------------------------------------------------------


def test_state_machine_refuses_what_the_status_does_not_allow(api: Api) -> None:
    camp = make_campaign(api, "States", open_now=False)
    for action in ("stop", "pause", "resume"):
        assert_conflict(trigger(api, camp.id, action))
    assert status(api, camp.id) == "Ready"

    run = triggered(api, camp.id, "play")["campaignInstanceId"]
    for action in ("play", "resume"):
        assert_conflict(trigger(api, camp.id, action))
    assert status(api, camp.id) == "Active"

    triggered(api, camp.id, "pause")
    for action in ("play", "pause"):
        assert_conflict(trigger(api, camp.id, action))
    assert status(api, camp.id) == "Paused"

    assert triggered(api, camp.id, "resume")["campaignInstanceId"] == run
    assert triggered(api, camp.id, "stop")["campaignInstanceId"] == run
    for action in ("stop", "pause", "resume"):
        assert_conflict(trigger(api, camp.id, action))
    assert status(api, camp.id) == "Stopped"

    replay = triggered(api, camp.id, "play")["campaignInstanceId"]
    assert replay.startswith("cid-") and replay != run
    # A Paused campaign is stopped directly, without resuming first.
    triggered(api, camp.id, "pause")
    assert triggered(api, camp.id, "stop")["status"] == "Stopped"


def test_missing_or_unknown_trigger_is_400(api: Api) -> None:
    camp = make_campaign(api, "Bad trigger", contacts=1, open_now=False)
    for value in (None, "", "start", "PLAY", "restart"):
        res = trigger(api, camp.id, value)
        assert res.status_code == 400, f"{value!r}: {res.text}"
        assert [e.get("field") for e in res.json()["errors"]] == ["trigger"], value
    assert status(api, camp.id) == "Ready"


def test_unknown_campaign_is_404_on_every_form(api: Api) -> None:
    for form in FORMS:
        res = trigger(api, "cd-0000000-0000-4000-8000-000000000000", "play", form)
        assert res.status_code == 404, f"{form}: {res.text}"
        assert res.json()["errors"][0]["code"] == 404


def test_agent_campaigns_cannot_be_played(api: Api) -> None:
    api.create_list("Agents list")
    api.create_list("Agents dnc", "dnc")
    api.add_contacts("Agents list", [{"phoneNumber": phone(0)}])
    for mode, extra in (("Progressive", {}), ("Preview", {"maxSkips": 2})):
        body = campaign_body(
            f"{mode} agents",
            ["Agents list"],
            "Agents dnc",
            dialingMode=mode,
            queue_name="Sales Queue",
            **extra,
        )
        del body["experienceFlowName"]
        camp = api.create_campaign(body)
        wait_status(api, camp["id"], "Ready")
        error = assert_conflict(trigger(api, camp["id"], "play"))
        assert "agent" in error["msg"].lower(), error
        assert status(api, camp["id"]) == "Ready"


# ---- editing and deleting around runs ----------------------------------------------------


def test_active_campaign_cannot_be_edited_or_deleted_until_paused_or_stopped(api: Api) -> None:
    camp = make_campaign(api, "Locked", open_now=False)
    triggered(api, camp.id, "play")
    edited = {**camp.body, "description": "edited"}
    assert_conflict(api.put(f"/campaign/{camp.id}", json=edited), field=None)
    assert_conflict(api.delete(f"/campaign/{camp.id}"), field=None)
    assert api.get(f"/campaign/{camp.id}").json()["data"]["description"] != "edited"

    triggered(api, camp.id, "pause")
    res = api.put(f"/campaign/{camp.id}", json=edited)
    assert res.status_code == 200, res.text
    assert api.get(f"/campaign/{camp.id}").json()["data"]["description"] == "edited"
    assert status(api, camp.id) == "Paused", "an edit does not change the status"

    triggered(api, camp.id, "stop")
    res = api.delete(f"/campaign/{camp.id}", params={"campaignType": "voice"})
    assert res.status_code == 200, res.text
    assert api.get(f"/campaign/{camp.id}").status_code == 404
    assert trigger(api, camp.id, "play").status_code == 404


def test_hours_opened_while_paused_apply_on_resume(api: Api) -> None:
    """A run whose calling hours are closed dials nothing; opening them while paused makes
    the resumed run dial everyone and complete."""
    camp = make_campaign(api, "Reopened", contacts=4, open_now=False)
    run = triggered(api, camp.id, "play")["campaignInstanceId"]
    settle(api)
    assert attempts(api, camp.id) == [], "nothing is dialed outside calling hours"
    assert status(api, camp.id) == "Active"

    triggered(api, camp.id, "pause")
    res = api.put(f"/campaign/{camp.id}", json=with_hours(camp.body, open_hours(camp.zone)))
    assert res.status_code == 200, res.text
    assert triggered(api, camp.id, "resume")["campaignInstanceId"] == run
    wait_status(api, camp.id, "Completed", timeout=15)  # four quick calls
    rows = attempts(api, camp.id)
    assert sorted(r["phoneNumber"] for r in rows) == camp.phones
    assert {r["campaignInstanceId"] for r in rows} == {run}


@pytest.mark.parametrize("sim", [{"sim_speed": 100.0, "default_lines": 2}], ids=["slow"])
def test_hours_closed_while_paused_apply_on_resume(api: Api) -> None:
    camp = make_campaign(api, "Closed on resume", contacts=8)
    triggered(api, camp.id, "play")
    wait_for(lambda: attempts(api, camp.id), "a first attempt")
    triggered(api, camp.id, "pause")
    done = wait_for(lambda: finished_attempts(api, camp.id), "calls in flight to finish")
    res = api.put(f"/campaign/{camp.id}", json=with_hours(camp.body, closed_hours(camp.zone)))
    assert res.status_code == 200, res.text
    triggered(api, camp.id, "resume")
    settle(api)
    assert len(attempts(api, camp.id)) == len(done), "resumed run follows the closed hours"
    assert status(api, camp.id) == "Active"
    triggered(api, camp.id, "stop")


# ---- runs: completion, stop, pause -------------------------------------------------------


def test_small_run_completes_by_itself_and_replays_as_a_new_run(api: Api) -> None:
    camp = make_campaign(api, "Completes", contacts=6)
    first = triggered(api, camp.id, "play")["campaignInstanceId"]
    wait_status(api, camp.id, "Completed")
    rows = attempts(api, camp.id)
    assert sorted(r["phoneNumber"] for r in rows) == camp.phones
    assert all(r["outcome"] == "answered" for r in rows), rows

    query = {"type": "voice", "filters": {"status": ["Completed"]}}
    found = api.post("/campaign/getAllCampaignDetails", json=query).json()["data"]["results"]
    assert [c["_id"] for c in found] == [camp.id]
    query["filters"] = {"status": ["Active", "Ready"]}
    assert api.post("/campaign/getAllCampaignDetails", json=query).json()["data"]["results"] == []

    second = triggered(api, camp.id, "play")
    assert second["campaignInstanceId"] != first and second["totalCallsCompleted"] == 0
    wait_status(api, camp.id, "Completed")
    assert len(attempts(api, camp.id, second["campaignInstanceId"])) == len(camp.phones)


@pytest.mark.parametrize("sim", [{"tick_seconds": 3600.0}], ids=["hour-tick"])
def test_an_api_trigger_wakes_the_dialer(api: Api) -> None:
    """With an hour between idle passes, only the trigger's wake-up can make the run dial
    (and complete) within the wait."""
    camp = make_campaign(api, "Woken", contacts=3)
    triggered(api, camp.id, "play")
    wait_status(api, camp.id, "Completed")
    assert sorted(r["phoneNumber"] for r in attempts(api, camp.id)) == camp.phones


@pytest.mark.parametrize("sim", [SLOW], ids=["slow"])
def test_stop_dials_nothing_new_and_lets_calls_in_flight_finish(api: Api) -> None:
    camp = make_campaign(api, "Stopped midway", contacts=12)
    triggered(api, camp.id, "play")
    wait_for(lambda: in_progress(attempts(api, camp.id)), "a call in flight")
    stopped = triggered(api, camp.id, "stop")
    assert stopped["status"] == "Stopped"
    at_stop = attempts(api, camp.id)
    assert 0 < len(at_stop) < len(camp.phones)

    final = wait_for(lambda: finished_attempts(api, camp.id), "calls in flight to finish")
    assert [r["attemptId"] for r in final] == [r["attemptId"] for r in at_stop]
    for row in final:
        assert row["outcome"] == "answered" and row["endedAt"] and row["answeredAt"], row
    settle(api)
    assert attempts(api, camp.id) == final, "nothing is dialed after stop"
    assert status(api, camp.id) == "Stopped"


@pytest.mark.parametrize("sim", [{"sim_speed": 100.0, "default_lines": 2}], ids=["slow"])
def test_pause_dials_nothing_new_and_resume_continues_the_run(api: Api) -> None:
    camp = make_campaign(api, "Paused midway", contacts=6)
    run = triggered(api, camp.id, "play")["campaignInstanceId"]
    wait_for(lambda: attempts(api, camp.id), "a first attempt")
    assert triggered(api, camp.id, "pause")["status"] == "Paused"
    paused = wait_for(lambda: finished_attempts(api, camp.id), "calls in flight to finish")
    assert len(paused) < len(camp.phones)
    settle(api)
    assert attempts(api, camp.id) == paused, "nothing is dialed while paused"
    assert status(api, camp.id) == "Paused"

    resumed = triggered(api, camp.id, "resume")
    assert resumed["status"] == "Active" and resumed["campaignInstanceId"] == run
    assert resumed["totalCallsCompleted"] == len(paused)
    wait_status(api, camp.id, "Completed")
    rows = attempts(api, camp.id)
    assert sorted(r["phoneNumber"] for r in rows) == camp.phones
    assert {r["campaignInstanceId"] for r in rows} == {run}
    assert rows[: len(paused)] == paused


# ---- DNC -------------------------------------------------------------------------------


def test_campaign_and_global_dnc_numbers_are_never_dialed(api: Api) -> None:
    camp = make_campaign(api, "Scrubbed", contacts=5)
    on_campaign_dnc, on_global_dnc = camp.phones[1], camp.phones[3]
    assert api.add_contacts(camp.dnc_name, [{"phoneNumber": on_campaign_dnc}]).status_code == 200
    national = "(415) 555-" + on_global_dnc[-4:]  # the same number, national format
    assert api.add_contacts(GLOBAL_DNC, [{"phoneNumber": national}]).status_code == 200

    triggered(api, camp.id, "play")
    wait_status(api, camp.id, "Completed")
    dialed = sorted(r["phoneNumber"] for r in attempts(api, camp.id))
    assert dialed == [p for p in camp.phones if p not in (on_campaign_dnc, on_global_dnc)]


@pytest.mark.parametrize("sim", [{"sim_speed": 100.0, "default_lines": 1}], ids=["one line"])
def test_number_put_on_a_dnc_list_during_the_run_is_not_dialed(api: Api) -> None:
    camp = make_campaign(api, "Late DNC", contacts=5)
    triggered(api, camp.id, "play")
    wait_for(lambda: attempts(api, camp.id), "a first attempt")
    late_global, late_campaign = camp.phones[-1], camp.phones[-2]
    assert api.add_contacts(GLOBAL_DNC, [{"phoneNumber": late_global}]).status_code == 200
    assert api.add_contacts(camp.dnc_name, [{"phoneNumber": late_campaign}]).status_code == 200
    wait_status(api, camp.id, "Completed")
    dialed = sorted(r["phoneNumber"] for r in attempts(api, camp.id))
    assert dialed == camp.phones[:-2]
