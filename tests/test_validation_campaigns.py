"""Boundary tests for every validation rule of campaign create and update (spec §3.1).

Each rule is exercised at and just past its limit through the HTTP API. A refusal must answer
400 (409 for a duplicate name) with `{"errors": [{"msg", "code", "field"}]}`, where `field` is
the JSON path of the offending value and `msg` a sentence naming it, and must change nothing.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api import V1, Api, campaign_body
from tests.conftest import STREAM_A2

LIST, DNC, NAME = "Customers", "Blocked", "Spring Sale"
DROP = object()  # a `changes` value that removes the key
HOURS = "dialingStrategy.callingHours"
DAY1 = f"{HOURS}.days[1]"
STRATEGY = "dialingStrategy"
PROGRESSIVE = {
    "dialingMode": "Progressive",
    "queue_name": "Default Queue",
    "experienceFlowName": DROP,
    "enableMachineDetect": DROP,
}
PREVIEW = {**PROGRESSIVE, "dialingMode": "Preview", "maxSkips": 3}


# --- helpers ---


def _keys(path: str) -> list[str | int]:
    return [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = _keys(path)
    target: Any = body
    for key in parents:
        target = target[key]
    if value is DROP:
        target.pop(last, None)
    else:
        target[last] = value


def _at(data: Any, path: str) -> Any:
    for key in _keys(path):
        data = data[key]
    return data


def _body(name: str = NAME, changes: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    body = campaign_body(name, [LIST], DNC, **kw)
    for path, value in (changes or {}).items():
        _set(body, path, value)
    return body


def _create(api: Api, body: dict[str, Any], prefix: str | None = None) -> httpx.Response:
    kwargs = {"prefix": prefix} if prefix else {}
    return api.post("/campaign", params={"campaignType": "voice"}, json=body, **kwargs)


def _update(api: Api, campaign_id: str, body: dict[str, Any]) -> httpx.Response:
    return api.put(f"/campaign/{campaign_id}", params={"campaignType": "voice"}, json=body)


def _get(api: Api, campaign_id: str) -> dict[str, Any]:
    res = api.get(f"/campaign/{campaign_id}")
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


def _count(api: Api) -> int:
    res = api.post("/campaign/getAllCampaignDetails", json={})
    assert res.status_code == 200, res.text
    return int(res.json()["data"]["totalResults"])


def _errors(res: httpx.Response, status: int = 400) -> list[dict[str, Any]]:
    """The error items of a refusal, each checked for the envelope's shape."""
    assert res.status_code == status, res.text
    body = res.json()
    assert list(body) == ["errors"]
    items = list(body["errors"])
    assert items
    for item in items:
        assert set(item) == {"msg", "code", "field"}, item
        assert item["code"] == status
        assert item["field"] in item["msg"], item  # a sentence that names the field
        assert len(item["msg"]) > len(item["field"]) + 5, item
    return items


def _refused(res: httpx.Response, field: str, status: int = 400) -> dict[str, Any]:
    items = _errors(res, status)
    assert [i["field"] for i in items] == [field], items
    return items[0]


@pytest.fixture
def lists(api: Api) -> Api:
    """A call list with contacts, a DNC list, and a second call list."""
    api.basic_setup()
    api.create_list("Partners")
    return api


# --- refusals: the same table on create and on update ---


def _show(value: Any) -> str:
    """A short test id for a value."""
    text = "missing" if value is DROP else repr(value)
    return text if len(text) <= 32 else f"{text[:24]}...({len(text)})"


def bad(path: str, value: Any, field: str | None = None, **changes: Any) -> Any:
    """One refused change: `path` set to `value`, refused at `field` (default `path`)."""
    return pytest.param(
        {**changes, path: value}, field or path, id=f"{field or path}={_show(value)}"
    )


def mode(changes: dict[str, Any], field: str, label: str) -> Any:
    return pytest.param(changes, field, id=label)


REFUSED = [
    bad("name", "n" * 49),
    bad("name", ""),
    bad("name", "   "),
    bad("name", DROP),
    bad("name", 7),
    bad("description", "d" * 257),
    bad("description", DROP),
    bad("priority", 0),
    bad("priority", 6),
    bad("priority", "0"),
    bad("priority", "6"),
    bad("priority", True),
    bad("priority", 3.5),
    bad("priority", "high"),
    bad("priority", DROP),
    bad("dialingMode", "Power"),
    bad("dialingMode", "agentless"),
    bad("dialingMode", DROP),
    bad(f"{STRATEGY}.callerId.phoneNumber", "(415) 555-0100"),
    bad(f"{STRATEGY}.callerId.phoneNumber", "4155550100"),
    bad(f"{STRATEGY}.callerId.phoneNumber", "+1415555CALL"),
    bad(f"{STRATEGY}.callerId.phoneNumber", "caller"),
    bad(f"{STRATEGY}.callerId.phoneNumber", "+1415555"),
    bad(f"{STRATEGY}.callerId.phoneNumber", "+11234567890"),
    bad(f"{STRATEGY}.callerId.phoneNumber", ""),
    bad(f"{DAY1}.day", "XX"),
    bad(f"{DAY1}.day", "mo"),
    bad(f"{DAY1}.day", "MON"),
    bad(f"{DAY1}.start", "13:00 PM"),
    bad(f"{DAY1}.start", "9:60 AM"),
    bad(f"{DAY1}.start", "9AM"),
    bad(f"{DAY1}.start", "0:30 AM"),
    bad(f"{DAY1}.start", "09:00"),
    bad(f"{DAY1}.end", "18:00"),
    bad(f"{DAY1}.end", "13:00 PM"),
    bad(f"{DAY1}.end", DROP),
    bad(f"{HOURS}.days", []),
    bad(f"{HOURS}.frequency", "MONTHLY"),
    bad(f"{HOURS}.frequency", "weekly"),
    bad(f"{HOURS}.timezone", "Mars/Base"),
    bad(f"{HOURS}.timezone", "UTC+5"),
    bad(f"{HOURS}.timezone", ""),
    bad(f"{STRATEGY}.dialingOrder", "RANDOM"),
    bad(f"{STRATEGY}.dialingOrder", "fifo"),
    *[
        bad(f"{STRATEGY}.{key}", value)
        for key, low, high in [
            ("maxAttemptsPerRecord", 1, 100),
            ("defaultRetryPeriod", 1, 1440),
            ("maxRingTime", 5, 120),
        ]
        for value in (low - 1, high + 1, "3", 10.5, 10.0, True, None)
    ],
    bad("contactLists", []),
    bad("contactLists", DROP),
    bad("contactLists", ["Nope"], "contactLists[0]"),
    bad("contactLists", [LIST, DNC], "contactLists[1]"),
    bad("contactLists", [LIST, "Partners", "Nope"], "contactLists[2]"),
    bad("contactLists", [LIST, "x" * 49], "contactLists[1]"),
    bad("dncLists", {"name": LIST}, "dncLists.name"),
    bad("dncLists", {"name": "Nope"}, "dncLists.name"),
    bad("dncLists", {"name": ""}, "dncLists.name"),
    bad("dncLists", DROP),
    bad("experienceFlowName", DROP),
    bad("experienceFlowName", ""),
    bad("enableMachineDetect", "maybe"),
    bad("enableMachineDetect", ""),
    bad("enableMachineDetect", 1),
    bad("campaignType", "sms"),
    bad("campaignType", "email"),
    bad("schedule.isSchedulingEnabled", "yes"),
    mode({**PROGRESSIVE, "queue_name": DROP}, "queue_name", "progressive-needs-queue_name"),
    mode({**PREVIEW, "queue_name": DROP}, "queue_name", "preview-needs-queue_name"),
    mode({**PREVIEW, "queue_name": ""}, "queue_name", "preview-blank-queue_name"),
    mode({**PREVIEW, "maxSkips": DROP}, "maxSkips", "preview-needs-maxSkips"),
    mode({**PREVIEW, "maxSkips": -1}, "maxSkips", "preview-maxSkips=-1"),
    mode({**PREVIEW, "maxSkips": 101}, "maxSkips", "preview-maxSkips=101"),
    mode({**PREVIEW, "maxSkips": "3"}, "maxSkips", "preview-maxSkips='3'"),
    mode({f"{DAY1}.end": "9:00 AM"}, DAY1, "start-equals-end"),
    mode({f"{DAY1}.start": "6:00 PM", f"{DAY1}.end": "9:00 AM"}, DAY1, "start-after-end"),
    mode({f"{DAY1}.start": "12:00 PM", f"{DAY1}.end": "12:00 AM"}, DAY1, "noon-to-midnight"),
]


def _first(params: list[Any], per: int = 2) -> list[Any]:
    """At most `per` cases for each field: update shares the create rules, so it gets a
    sample of each rule's boundary cases rather than all of them."""
    seen: dict[str, int] = {}
    kept = []
    for param in params:
        field = param.values[1]
        seen[field] = seen.get(field, 0) + 1
        if seen[field] <= per:
            kept.append(param)
    return kept


@pytest.mark.parametrize(("changes", "field"), REFUSED)
def test_create_refuses_and_stores_nothing(lists: Api, changes: dict[str, Any], field: str) -> None:
    item = _refused(_create(lists, _body(changes=changes)), field)
    assert "Value error" not in item["msg"]
    assert _count(lists) == 0


@pytest.mark.parametrize(("changes", "field"), _first(REFUSED))
def test_update_refuses_and_changes_nothing(
    lists: Api, changes: dict[str, Any], field: str
) -> None:
    created = lists.create_campaign(_body())
    before = _get(lists, created["id"])
    _refused(_update(lists, created["id"], _body(changes=changes)), field)
    assert _get(lists, created["id"]) == before
    assert _count(lists) == 1


def test_start_after_end_names_the_day(lists: Api) -> None:
    changes = {f"{DAY1}.start": "6:00 PM", f"{DAY1}.end": "9:00 AM"}
    item = _refused(_create(lists, _body(changes=changes)), DAY1)
    assert "6:00 PM" in item["msg"] and "9:00 AM" in item["msg"]


# --- accepted boundaries: stored and returned as sent (or normalised) ---


def ok(path: str, value: Any, stored: Any = DROP, **changes: Any) -> Any:
    """An accepted value at `path`; GET answers `stored` there (default: the value)."""
    expected = value if stored is DROP else stored
    return pytest.param({**changes, path: value}, path, expected, id=f"{path}={_show(value)}")


ACCEPTED = [
    ok("name", "n" * 48),
    ok("name", "N"),
    ok("description", "d" * 256),
    ok("description", ""),
    ok("priority", "1"),
    ok("priority", "5"),
    ok("priority", 1, "1"),
    ok("priority", 5, "5"),
    ok("priority", 3, "3"),
    ok("dialingMode", "Progressive", **PROGRESSIVE),
    ok("dialingMode", "Preview", **PREVIEW),
    ok("maxSkips", 0, **PREVIEW),
    ok("maxSkips", 100, **PREVIEW),
    ok(f"{STRATEGY}.callerId.phoneNumber", "+442071838750"),
    ok(f"{DAY1}.day", "SU"),
    ok(f"{DAY1}.start", "12:00 AM"),
    ok(f"{DAY1}.start", "09:00 am", "9:00 AM"),
    ok(f"{DAY1}.end", "11:59 PM"),
    ok(f"{DAY1}.end", "06:30 pm", "6:30 PM"),
    ok(f"{HOURS}.frequency", "DAILY"),
    ok(f"{HOURS}.frequency", "CUSTOM"),
    ok(f"{HOURS}.timezone", "Asia/Kolkata"),
    ok(f"{STRATEGY}.dialingOrder", "LIFO"),
    *[
        ok(f"{STRATEGY}.{key}", value)
        for key, low, high in [
            ("maxAttemptsPerRecord", 1, 100),
            ("defaultRetryPeriod", 1, 1440),
            ("maxRingTime", 5, 120),
        ]
        for value in (low, high)
    ],
    ok("contactLists", [LIST, "Partners"]),
    ok("contactLists", ["customers"], [LIST]),
    ok("dncLists.name", "BLOCKED", DNC),
    ok("dncLists.name", "Default Global DNC"),
]


@pytest.mark.parametrize(("changes", "path", "stored"), ACCEPTED)
def test_create_accepts_boundary(
    lists: Api, changes: dict[str, Any], path: str, stored: Any
) -> None:
    created = lists.create_campaign(_body(changes=changes))
    assert _at(_get(lists, created["id"]), path) == stored


@pytest.mark.parametrize(("changes", "path", "stored"), _first(ACCEPTED))
def test_update_accepts_boundary(
    lists: Api, changes: dict[str, Any], path: str, stored: Any
) -> None:
    created = lists.create_campaign(_body())
    res = _update(lists, created["id"], _body(changes=changes))
    assert res.status_code == 200, res.text
    assert _at(_get(lists, created["id"]), path) == stored


def test_priority_is_returned_as_a_string_everywhere(lists: Api) -> None:
    created = lists.create_campaign(_body(priority=2))
    assert created["priority"] == "2"
    assert _get(lists, created["id"])["priority"] == "2"
    listed = lists.post("/campaign/getAllCampaignDetails", json={}).json()["data"]["results"]
    assert [c["priority"] for c in listed] == ["2"]


@pytest.mark.parametrize(
    ("value", "detects"),
    [("no", False), ("detect", True), ("disconnect", True), ("NO", False), ("Detect", True),
     ("DISCONNECT", True), (True, True), (False, False)],
)  # fmt: skip
def test_machine_detect_accepts_any_case_and_booleans(
    lists: Api, value: Any, detects: bool
) -> None:
    created = lists.create_campaign(_body(enableMachineDetect=value))
    assert created["enableMachineDetect"] is detects


# --- calling-hours windows on one day ---


@pytest.mark.parametrize(
    ("windows", "accepted"),
    [
        ([("9:00 AM", "12:00 PM"), ("1:00 PM", "6:00 PM")], True),
        ([("9:00 AM", "12:00 PM"), ("12:00 PM", "6:00 PM")], True),  # touching, not overlapping
        ([("1:00 PM", "6:00 PM"), ("9:00 AM", "12:00 PM")], True),  # any order
        ([("9:00 AM", "12:01 PM"), ("12:00 PM", "6:00 PM")], False),
        ([("9:00 AM", "6:00 PM"), ("10:00 AM", "11:00 AM")], False),  # one inside the other
        ([("1:00 PM", "6:00 PM"), ("9:00 AM", "1:30 PM")], False),
        ([("9:00 AM", "6:00 PM"), ("9:00 AM", "6:00 PM")], False),
    ],
)
def test_windows_on_one_day_may_not_overlap(
    lists: Api, windows: list[tuple[str, str]], accepted: bool
) -> None:
    days = [{"day": "TU", "start": s, "end": e} for s, e in windows]
    days.insert(0, {"day": "MO", "start": "9:00 AM", "end": "6:00 PM"})
    res = _create(lists, _body(changes={f"{HOURS}.days": days}))
    if accepted:
        assert res.status_code == 200, res.text
        assert [
            d["day"] for d in res.json()["data"]["dialingStrategy"]["callingHours"]["days"]
        ] == ["MO", "TU", "TU"]
    else:
        item = _refused(res, f"{HOURS}.days")
        assert "TU" in item["msg"]
        assert _count(lists) == 0


def test_same_window_on_different_days_is_fine(lists: Api) -> None:
    created = lists.create_campaign(_body())
    days = _get(lists, created["id"])["dialingStrategy"]["callingHours"]["days"]
    assert [d["day"] for d in days] == ["MO", "TU", "WE", "TH", "FR"]


# --- several errors at once ---


def test_every_shape_error_of_a_body_is_reported(lists: Api) -> None:
    changes = {
        "name": "n" * 49,
        "priority": 0,
        f"{DAY1}.end": "13:00 PM",
        f"{HOURS}.days[3].day": "XX",
        f"{STRATEGY}.maxRingTime": 3,
        f"{STRATEGY}.maxAttemptsPerRecord": "3",
        f"{HOURS}.timezone": "Mars/Base",
    }
    items = _errors(_create(lists, _body(changes=changes)))
    assert sorted(i["field"] for i in items) == sorted(changes)
    assert _count(lists) == 0


def test_every_reference_error_of_a_body_is_reported(lists: Api) -> None:
    changes = {
        "contactLists": ["Nope", LIST, DNC],
        "dncLists.name": "Partners",
        "experienceFlowName": DROP,
    }
    items = _errors(_create(lists, _body(changes=changes)))
    assert {i["field"] for i in items} == {
        "contactLists[0]",
        "contactLists[2]",
        "dncLists.name",
        "experienceFlowName",
    }
    assert _count(lists) == 0


def test_every_error_of_an_update_is_reported_and_nothing_changes(lists: Api) -> None:
    created = lists.create_campaign(_body())
    before = _get(lists, created["id"])
    changes = {"description": "d" * 257, f"{STRATEGY}.defaultRetryPeriod": 1441}
    items = _errors(_update(lists, created["id"], _body(changes=changes)))
    assert sorted(i["field"] for i in items) == sorted(changes)
    assert _get(lists, created["id"]) == before


# --- unique names ---


def test_name_is_unique_per_stream_ignoring_case(lists: Api) -> None:
    lists.create_campaign(_body())
    item = _refused(_create(lists, _body("SPRING sale")), "name", 409)
    assert "SPRING sale" in item["msg"]
    assert _count(lists) == 1


def test_update_to_another_campaigns_name_conflicts(lists: Api) -> None:
    lists.create_campaign(_body())
    other = lists.create_campaign(_body("Autumn Sale"))
    before = _get(lists, other["id"])
    _refused(_update(lists, other["id"], _body("spring SALE")), "name", 409)
    assert _get(lists, other["id"]) == before


def test_update_may_keep_or_recase_its_own_name(lists: Api) -> None:
    created = lists.create_campaign(_body())
    for name in (NAME, NAME.upper()):
        res = _update(lists, created["id"], _body(name))
        assert res.status_code == 200, res.text
        assert _get(lists, created["id"])["name"] == name


def test_a_deleted_campaigns_name_is_free_again(lists: Api) -> None:
    created = lists.create_campaign(_body())
    assert lists.delete(f"/campaign/{created['id']}").status_code == 200
    lists.create_campaign(_body(NAME.lower()))


def test_same_name_in_another_stream_of_the_app_is_fine(lists: Api) -> None:
    lists.create_campaign(_body())
    other = Api(lists.client, lists.creds, STREAM_A2)
    other.create_list(LIST)
    res = _create(other, campaign_body(NAME, [LIST], "Default Global DNC"))
    assert res.status_code == 200, res.text
    assert _count(other) == 1 and _count(lists) == 1


def test_lists_of_another_stream_are_not_found(lists: Api) -> None:
    other = Api(lists.client, lists.creds, STREAM_A2)
    _refused(_create(other, _body(dncLists={"name": "Default Global DNC"})), "contactLists[0]")
    assert _count(other) == 0


# --- v1 differences ---


def test_v1_does_not_need_dnc_lists(lists: Api) -> None:
    body = _body(enableMachineDetect=True)
    del body["dncLists"]
    res = _create(lists, body, prefix=V1)
    assert res.status_code == 200, res.text
    assert _count(lists) == 1


def test_v1_still_checks_a_dnc_list_it_is_given(lists: Api) -> None:
    res = _create(lists, _body(dncLists={"name": LIST}), prefix=V1)
    _refused(res, "dncLists.name")
    assert _count(lists) == 0


def test_v1_applies_the_same_field_rules(lists: Api) -> None:
    body = _body(changes={f"{STRATEGY}.maxRingTime": 121})
    del body["dncLists"]
    _refused(_create(lists, body, prefix=V1), f"{STRATEGY}.maxRingTime")
    assert _count(lists) == 0
