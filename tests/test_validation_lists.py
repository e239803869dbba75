"""Boundary tests for every validation rule of contact lists, DNC lists and their contacts
(spec §4.13, §4.14 and the addContacts/removeContacts calls).

Each rule is exercised at and just past its limit through the HTTP API. A refusal answers 400
(409 for conflicts) with `{"errors": [{"msg", "code", "field"}]}` naming the JSON path of the
offending value, and stores nothing: a refused batch of contacts leaves the list as it was.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from outdial.config import Settings
from outdial.kit.db import make_sync_engine
from outdial.models import Contact
from tests.api import V1_1, Api, campaign_body

CREATE = "/campaign/contactList/createContactList"
LISTS = "/campaign/contactList"
DEFAULT_GLOBAL = "Default Global DNC"
NUMBER = "+14155550123"
DROP = object()  # a create-body value that leaves the key out


# --- helpers ---


def _create(api: Api, **changes: Any) -> httpx.Response:
    body = {
        "name": "Customers",
        "description": "People to call",
        "source": "passiveApi",
        "listType": "call",
    } | changes
    return api.post(CREATE, json={k: v for k, v in body.items() if v is not DROP})


def _update(api: Api, list_id: str, **changes: Any) -> httpx.Response:
    return api.put(f"{LISTS}/{list_id}", json=changes)


def _get(api: Api, list_id: str) -> dict[str, Any]:
    res = api.get(f"{LISTS}/{list_id}")
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


def _all(api: Api) -> dict[str, dict[str, Any]]:
    res = api.get(f"{LISTS}/getAllListDetails")
    assert res.status_code == 200, res.text
    return {item["name"]: item for item in res.json()["data"]}


def _contacts(api: Api, list_id: str, **params: Any) -> httpx.Response:
    return api.get(f"{LISTS}/{list_id}/getAllContacts", params=params)


def _numbers(api: Api, list_id: str) -> list[str]:
    res = _contacts(api, list_id, limit=1000)
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert data["totalResults"] == len(data["results"])
    return [c["phoneNumber"] for c in data["results"]]


def _remove(api: Api, list_name: str, rows: list[dict[str, Any]]) -> httpx.Response:
    body = {"contact_list_name": list_name, "data": rows}
    return api.post(f"{LISTS}/removeContacts", prefix=V1_1, query=False, json=body)


def _added(res: httpx.Response, added: int, duplicates: int) -> None:
    assert res.status_code == 200, res.text
    assert res.json() == {"message": "Adding contacts to public list is in progress"}
    assert res.headers["X-Outdial-Added"] == str(added)
    assert res.headers["X-Outdial-Duplicates"] == str(duplicates)


def _errors(res: httpx.Response, status: int = 400) -> list[dict[str, Any]]:
    """The error items of a refusal, each checked for the envelope's shape."""
    assert res.status_code == status, res.text
    body = res.json()
    assert list(body) == ["errors"]
    items = list(body["errors"])
    assert items
    for item in items:
        assert item["code"] == status
        assert set(item) <= {"msg", "code", "field"}, item
        if "field" in item:
            assert item["field"] in item["msg"], item
            assert len(item["msg"]) > len(item["field"]) + 5, item
    return items


def _refused(res: httpx.Response, field: str, status: int = 400) -> dict[str, Any]:
    items = _errors(res, status)
    assert [i.get("field") for i in items] == [field], items
    return items[0]


def _rows(*numbers: str) -> list[dict[str, Any]]:
    return [{"phoneNumber": n} for n in numbers]


@pytest.fixture
def call_list(api: Api) -> dict[str, Any]:
    """An empty call list named Customers (duplicates not allowed)."""
    return api.create_list("Customers")


@pytest.fixture
def global_id(api: Api) -> str:
    return str(_all(api)[DEFAULT_GLOBAL]["_id"])


# --- create and update: field rules ---


def bad(field: str, value: Any, **changes: Any) -> Any:
    text = "missing" if value is DROP else repr(value)
    shown = text if len(text) <= 32 else f"{text[:24]}...({len(text)})"
    return pytest.param({**changes, field: value}, field, id=f"{field}={shown}")


CREATE_REFUSED = [
    bad("name", "n" * 49),
    bad("name", ""),
    bad("name", "   "),
    bad("name", DROP),
    bad("description", "d" * 257),
    bad("description", DROP),
    bad("source", "localDrive"),
    bad("source", "apiIntegration"),
    bad("source", "passiveapi"),
    bad("listType", "sms"),
    bad("listType", "DNC"),
    bad("allowDuplicates", "true"),
    bad("isGlobalDNC", "yes"),
    bad("isGlobalDNC", True),  # a call list can't be global
    bad("defaultRegion", "XX"),
]


@pytest.mark.parametrize(("changes", "field"), CREATE_REFUSED)
def test_create_refuses_and_stores_nothing(api: Api, changes: dict[str, Any], field: str) -> None:
    before = _all(api)
    _refused(_create(api, **changes), field)
    assert _all(api) == before


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"name": "n" * 48}, {"name": "n" * 48}),
        ({"name": "N"}, {"name": "N"}),
        ({"description": "d" * 256}, {"description": "d" * 256}),
        ({"description": ""}, {"description": ""}),
        ({"source": "passiveApiIntegration"}, {"source": "passiveApiIntegration"}),
        ({"allowDuplicates": True}, {"allowDuplicates": True}),
        ({"listType": "dnc"}, {"listType": "dnc", "isGlobalDNC": False}),
        ({"listType": "dnc", "isGlobalDNC": True}, {"isGlobalDNC": True}),
        ({"isGlobalDNC": False}, {"listType": "call", "isGlobalDNC": False}),
        ({"source": DROP, "listType": DROP}, {"source": "passiveApi", "listType": "call"}),
    ],
)
def test_create_accepts_boundary(api: Api, changes: dict[str, Any], check: dict[str, Any]) -> None:
    res = _create(api, **changes)
    assert res.status_code == 200, res.text
    got = _get(api, res.json()["data"]["_id"])
    assert {k: got[k] for k in check} == check


UPDATE_REFUSED = [
    bad("name", "n" * 49),
    bad("name", ""),
    bad("name", "  "),
    bad("description", "d" * 257),
    bad("allowDuplicates", "no"),
    bad("isGlobalDNC", True),  # a call list can't be global
    bad("defaultRegion", "XX"),
]


@pytest.mark.parametrize(("changes", "field"), UPDATE_REFUSED)
def test_update_refuses_and_changes_nothing(
    api: Api, call_list: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    before = _get(api, call_list["_id"])
    _refused(_update(api, call_list["_id"], **changes), field)
    assert _get(api, call_list["_id"]) == before


@pytest.mark.parametrize(
    "changes",
    [{"name": "n" * 48}, {"name": "X"}, {"description": "d" * 256}, {"description": ""},
     {"allowDuplicates": True}, {"name": "customers"}],
)  # fmt: skip
def test_update_accepts_boundary(
    api: Api, call_list: dict[str, Any], changes: dict[str, Any]
) -> None:
    res = _update(api, call_list["_id"], **changes)
    assert res.status_code == 200, res.text
    got = _get(api, call_list["_id"])
    assert {k: got[k] for k in changes} == changes


# --- unique names ---


@pytest.mark.parametrize("other", ["Customers", "CUSTOMERS", "customers", "default global dnc"])
def test_list_names_are_unique_per_stream_ignoring_case(
    api: Api, call_list: dict[str, Any], other: str
) -> None:
    before = _all(api)
    item = _refused(_create(api, name=other, listType="dnc"), "name", 409)
    assert other in item["msg"]
    assert _all(api) == before


def test_rename_to_another_lists_name_conflicts(api: Api, call_list: dict[str, Any]) -> None:
    other = api.create_list("Partners")
    before = _get(api, other["_id"])
    _refused(_update(api, other["_id"], name="CUSTOMERS"), "name", 409)
    assert _get(api, other["_id"]) == before


def test_a_deleted_lists_name_is_free_again(api: Api, call_list: dict[str, Any]) -> None:
    assert api.delete(f"{LISTS}/{call_list['_id']}").status_code == 200
    api.create_list("CUSTOMERS")


# --- the global DNC list ---


def test_a_new_global_list_takes_the_flag(api: Api, global_id: str) -> None:
    created = api.create_list("Blocked", "dnc", isGlobalDNC=True)
    assert _get(api, created["_id"])["isGlobalDNC"] is True
    assert _get(api, global_id)["isGlobalDNC"] is False
    flags = {name: item.get("isGlobalDNC") for name, item in _all(api).items()}
    assert flags == {DEFAULT_GLOBAL: False, "Blocked": True}


def test_an_update_can_make_a_dnc_list_global(api: Api, global_id: str) -> None:
    created = api.create_list("Blocked", "dnc")
    res = _update(api, created["_id"], isGlobalDNC=True)
    assert res.status_code == 200, res.text
    assert _get(api, created["_id"])["isGlobalDNC"] is True
    assert _get(api, global_id)["isGlobalDNC"] is False
    again = _update(api, global_id, isGlobalDNC=True)  # and back
    assert again.status_code == 200, again.text
    assert _get(api, created["_id"])["isGlobalDNC"] is False


def test_the_global_list_cannot_be_unflagged(api: Api, global_id: str) -> None:
    before = _get(api, global_id)
    _refused(_update(api, global_id, isGlobalDNC=False), "isGlobalDNC", 409)
    assert _get(api, global_id) == before


def test_the_global_list_cannot_be_deleted(api: Api, global_id: str) -> None:
    _errors(api.delete(f"{LISTS}/{global_id}"), 409)
    assert _get(api, global_id)["isGlobalDNC"] is True
    created = api.create_list("Blocked", "dnc", isGlobalDNC=True)
    _errors(api.delete(f"{LISTS}/{created['_id']}"), 409)
    assert api.delete(f"{LISTS}/{global_id}").status_code == 200  # no longer global


def test_a_non_global_dnc_list_may_be_set_not_global(api: Api) -> None:
    created = api.create_list("Blocked", "dnc")
    res = _update(api, created["_id"], isGlobalDNC=False)
    assert res.status_code == 200, res.text
    assert _get(api, created["_id"])["isGlobalDNC"] is False


# --- lists in use ---


@pytest.mark.parametrize("role", ["contactLists", "dncLists"])
def test_a_list_in_use_cannot_be_deleted(api: Api, role: str) -> None:
    calls, dnc = api.basic_setup()
    campaign = api.create_campaign(campaign_body("Spring Sale", [calls], dnc))
    target = _all(api)[calls if role == "contactLists" else dnc]
    item = _errors(api.delete(f"{LISTS}/{target['_id']}"), 409)[0]
    assert "Spring Sale" in item["msg"]
    assert _get(api, target["_id"])["isListInUse"] is True
    assert api.delete(f"/campaign/{campaign['id']}").status_code == 200
    assert api.delete(f"{LISTS}/{target['_id']}").status_code == 200


def test_a_list_used_as_second_contact_list_cannot_be_deleted(api: Api) -> None:
    calls, dnc = api.basic_setup()
    other = api.create_list("Partners")
    api.create_campaign(campaign_body("Spring Sale", [calls, "Partners"], dnc))
    _errors(api.delete(f"{LISTS}/{other['_id']}"), 409)


# --- adding contacts: duplicates ---


def test_no_duplicates_drops_known_and_repeated_numbers(
    api: Api, call_list: dict[str, Any]
) -> None:
    _added(api.add_contacts("Customers", _rows(NUMBER, "+14155550124")), 2, 0)
    rows = _rows("+14155550125", NUMBER, "(415) 555-0125", "+14155550126", "+1 415 555 0126")
    _added(api.add_contacts("Customers", rows), 2, 3)
    assert _numbers(api, call_list["_id"]) == [
        NUMBER,
        "+14155550124",
        "+14155550125",
        "+14155550126",
    ]


def test_allow_duplicates_keeps_every_row(api: Api) -> None:
    created = api.create_list("Customers", allowDuplicates=True)
    _added(api.add_contacts("Customers", _rows(NUMBER)), 1, 0)
    _added(api.add_contacts("Customers", _rows(NUMBER, "(415) 555-0123")), 2, 0)
    assert _numbers(api, created["_id"]) == [NUMBER] * 3


def test_switching_allow_duplicates_on_later(api: Api, call_list: dict[str, Any]) -> None:
    _added(api.add_contacts("Customers", _rows(NUMBER, NUMBER)), 1, 1)
    assert _update(api, call_list["_id"], allowDuplicates=True).status_code == 200
    _added(api.add_contacts("Customers", _rows(NUMBER)), 1, 0)
    assert _numbers(api, call_list["_id"]) == [NUMBER] * 2


@pytest.mark.parametrize("allow", [False, True])
def test_dnc_lists_always_dedupe(api: Api, allow: bool) -> None:
    created = api.create_list("Blocked", "dnc", allowDuplicates=allow)
    _added(api.add_contacts("Blocked", _rows(NUMBER, NUMBER)), 1, 1)
    _added(api.add_contacts("Blocked", _rows("(415) 555-0123", "+14155550124")), 1, 1)
    assert _numbers(api, created["_id"]) == [NUMBER, "+14155550124"]


# --- adding contacts: numbers and fields ---


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+14155550123", "+14155550123"),
        ("(415) 555-0123", "+14155550123"),
        ("415-555-0123", "+14155550123"),
        ("+1 415 555 0123", "+14155550123"),
        ("0044 20 7183 8750", "+442071838750"),
        ("442071838750", "+442071838750"),
        ("+44 20 7183 8750", "+442071838750"),
        (14155550123, "+14155550123"),
    ],
)
def test_numbers_are_stored_in_e164(
    api: Api, call_list: dict[str, Any], raw: Any, stored: str
) -> None:
    _added(api.add_contacts("Customers", [{"phoneNumber": raw}]), 1, 0)
    assert _numbers(api, call_list["_id"]) == [stored]


def test_default_region_reads_national_numbers(api: Api, call_list: dict[str, Any]) -> None:
    body = {"contact_list_name": "Customers", "data": _rows("020 7183 8750"), "defaultRegion": "GB"}
    res = api.post(f"{LISTS}/addContacts", prefix=V1_1, query=False, json=body)
    _added(res, 1, 0)
    assert _numbers(api, call_list["_id"]) == ["+442071838750"]


def _wide(columns: int) -> dict[str, Any]:
    """A row with `columns` keys in all: the number plus custom columns."""
    return {"phoneNumber": NUMBER, **{f"col{i}": "v" for i in range(columns - 1)}}


ROW_REFUSED = [
    pytest.param({"phoneNumber": "12345"}, "data[1].phoneNumber", id="short-number"),
    pytest.param({"phoneNumber": "+11234567890"}, "data[1].phoneNumber", id="invalid-number"),
    pytest.param({"phoneNumber": "call me"}, "data[1].phoneNumber", id="words"),
    pytest.param({"phoneNumber": ""}, "data[1].phoneNumber", id="empty-number"),
    pytest.param({"firstName": "Ann"}, "data[1].phoneNumber", id="no-number"),
    pytest.param({"phoneNumber": None}, "data[1].phoneNumber", id="null-number"),
    pytest.param(
        {"phoneNumber": NUMBER, "timeZone": "Mars/Base"}, "data[1].timeZone", id="timezone"
    ),
    pytest.param({"phoneNumber": NUMBER, "timeZone": "EST+5"}, "data[1].timeZone", id="tz-2"),
    *[
        pytest.param(
            {"phoneNumber": NUMBER, "contactPriority": v},
            "data[1].contactPriority",
            id=f"contactPriority={v!r}",
        )
        for v in (-1, 1001, "1001", "high", 5.5, True)
    ],
    *[
        pytest.param({"phoneNumber": NUMBER, key: "x" * 301}, f"data[1].{key}", id=f"{key}-301")
        for key in ("firstName", "lastName", "uniqueId", "notes")
    ],
    pytest.param(
        {"phoneNumber": NUMBER, "firstName": {"a": 1}}, "data[1].firstName", id="firstName-object"
    ),
    pytest.param({"phoneNumber": NUMBER, "notes": ["a"]}, "data[1].notes", id="custom-list"),
    pytest.param(_wide(151), "data[1]", id="151-columns"),
]


@pytest.mark.parametrize(("row", "field"), ROW_REFUSED)
def test_a_bad_row_refuses_the_whole_batch(
    api: Api, call_list: dict[str, Any], row: dict[str, Any], field: str
) -> None:
    _added(api.add_contacts("Customers", _rows(NUMBER)), 1, 0)
    res = api.add_contacts(
        "Customers", [{"phoneNumber": "+14155550124"}, row, {"phoneNumber": "+14155550125"}]
    )
    _refused(res, field)
    assert _numbers(api, call_list["_id"]) == [NUMBER]
    assert _get(api, call_list["_id"])["totalRecordCount"] == 1


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"contactPriority": 0}, id="contactPriority=0"),
        pytest.param({"contactPriority": 1000}, id="contactPriority=1000"),
        pytest.param({"contactPriority": "7"}, id="contactPriority='7'"),
        pytest.param({"timeZone": "Asia/Kolkata"}, id="timezone"),
        *[
            pytest.param({key: "x" * 300}, id=f"{key}-300")
            for key in ("firstName", "lastName", "uniqueId", "notes")
        ],
        pytest.param(_wide(150), id="150-columns"),
    ],
)
def test_boundary_rows_are_accepted(
    api: Api, call_list: dict[str, Any], extra: dict[str, Any]
) -> None:
    _added(api.add_contacts("Customers", [{"phoneNumber": NUMBER, **extra}]), 1, 0)
    assert _numbers(api, call_list["_id"]) == [NUMBER]


def test_every_bad_row_is_reported(api: Api, call_list: dict[str, Any]) -> None:
    rows = [
        {"phoneNumber": NUMBER},
        {"phoneNumber": "nope"},
        {"phoneNumber": "+14155550124", "timeZone": "Mars/Base", "contactPriority": 1001},
        {"phoneNumber": "+14155550125"},
        {"phoneNumber": "+14155550126", "firstName": "x" * 301},
    ]
    items = _errors(api.add_contacts("Customers", rows))
    assert sorted(i["field"] for i in items) == sorted(
        ["data[1].phoneNumber", "data[2].timeZone", "data[2].contactPriority", "data[4].firstName"]
    )
    assert _numbers(api, call_list["_id"]) == []


def test_batch_shape_is_checked(api: Api, call_list: dict[str, Any]) -> None:
    post = api.add_contacts
    _refused(post("Customers", []), "data")
    _refused(post("", _rows(NUMBER)), "contact_list_name")
    assert post("Nobody", _rows(NUMBER)).status_code == 404
    assert _numbers(api, call_list["_id"]) == []


def _stored(settings: Settings, list_id: str) -> list[Contact]:
    engine = make_sync_engine(settings.database_url)
    try:
        with Session(engine) as session:
            query = select(Contact).where(Contact.list_id == list_id).order_by(Contact.id)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def test_standard_and_custom_fields_are_kept(
    api: Api, call_list: dict[str, Any], settings: Settings
) -> None:
    row = {
        "phoneNumber": "(415) 555-0123",
        "firstName": "Ann",
        "lastName": "Lee",
        "timeZone": "America/Chicago",
        "uniqueId": "u-1",
        "contactPriority": "12",
        "plan": "gold",
        "balance": 12.5,
        "vip": True,
    }
    _added(api.add_contacts("Customers", [row]), 1, 0)
    [got] = _stored(settings, call_list["_id"])
    standard = (got.first_name, got.last_name, got.time_zone, got.unique_id, got.contact_priority)
    assert got.phone_number == NUMBER
    assert standard == ("Ann", "Lee", "America/Chicago", "u-1", 12)
    assert got.custom == {"plan": "gold", "balance": 12.5, "vip": True}


# --- getAllContacts paging ---


@pytest.mark.parametrize(
    ("skip", "limit", "count", "more", "pages"),
    [(0, 2, 2, True, 3), (2, 2, 2, True, 3), (4, 2, 1, False, 3), (5, 2, 0, False, 3),
     (9, 2, 0, False, 3), (0, 5, 5, False, 1), (0, 1000, 5, False, 1), (0, 1, 1, True, 5),
     (1, 4, 4, False, 2), (3, 1, 1, True, 5)],
)  # fmt: skip
def test_get_all_contacts_pages(
    api: Api,
    call_list: dict[str, Any],
    skip: int,
    limit: int,
    count: int,
    more: bool,
    pages: int,
) -> None:
    numbers = [f"+1415555012{i}" for i in range(5)]
    _added(api.add_contacts("Customers", _rows(*numbers)), 5, 0)
    res = _contacts(api, call_list["_id"], skip=skip, limit=limit)
    assert res.status_code == 200, res.text
    data = res.json()["data"]
    assert [c["phoneNumber"] for c in data["results"]] == numbers[skip : skip + limit]
    assert len(data["results"]) == count
    assert (
        data["skip"],
        data["limit"],
        data["hasMore"],
        data["totalPages"],
        data["totalResults"],
    ) == (skip, limit, more, pages, 5)


def test_get_all_contacts_defaults_and_empty_list(api: Api, call_list: dict[str, Any]) -> None:
    data = _contacts(api, call_list["_id"]).json()["data"]
    assert data == {
        "results": [],
        "skip": 0,
        "limit": 50,
        "hasMore": False,
        "totalPages": 0,
        "totalResults": 0,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": -1}, "limit"),
     ({"limit": "ten"}, "limit"), ({"skip": -1}, "skip"), ({"skip": "x"}, "skip")],
)  # fmt: skip
def test_get_all_contacts_refuses_bad_paging(
    api: Api, call_list: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    _refused(_contacts(api, call_list["_id"], **params), field)


# --- removeContacts (extension) ---


def test_remove_contacts_takes_numbers_off_a_dnc_list(api: Api) -> None:
    created = api.create_list("Blocked", "dnc")
    _added(api.add_contacts("Blocked", _rows(NUMBER, "+14155550124", "+14155550125")), 3, 0)
    res = _remove(api, "blocked", _rows("(415) 555-0123", "+14155550125", "+14155550199"))
    assert res.status_code == 200, res.text
    assert res.headers["X-Outdial-Removed"] == "2"
    assert _numbers(api, created["_id"]) == ["+14155550124"]
    assert _get(api, created["_id"])["totalRecordCount"] == 1


def test_remove_contacts_refuses_call_lists(api: Api, call_list: dict[str, Any]) -> None:
    _added(api.add_contacts("Customers", _rows(NUMBER)), 1, 0)
    _refused(_remove(api, "Customers", _rows(NUMBER)), "contact_list_name")
    assert _numbers(api, call_list["_id"]) == [NUMBER]


def test_remove_contacts_refuses_a_bad_number_and_removes_nothing(api: Api) -> None:
    created = api.create_list("Blocked", "dnc")
    _added(api.add_contacts("Blocked", _rows(NUMBER, "+14155550124")), 2, 0)
    res = _remove(api, "Blocked", _rows(NUMBER, "nope", "+14155550124", ""))
    assert sorted(i["field"] for i in _errors(res)) == [
        "data[1].phoneNumber",
        "data[3].phoneNumber",
    ]
    assert _numbers(api, created["_id"]) == [NUMBER, "+14155550124"]


def test_remove_contacts_from_an_unknown_list(api: Api) -> None:
    assert _remove(api, "Nobody", _rows(NUMBER)).status_code == 404
    _refused(_remove(api, "Blocked", []), "data")
