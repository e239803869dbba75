"""Malformed input never yields a 500, every refusal uses Kore's error envelope, and a refused
request changes nothing in the database.

The envelope is `{"errors": [{"msg": str, "code": int, "field"?: str}]}` (design §2, spec §7).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from outdial.config import Settings
from outdial.kit.db import make_sync_engine
from tests.api import V1_1, V2, Api, campaign_body
from tests.kore import sample

LIMIT = 1024 * 1024
CREATE_LIST = "/campaign/contactList/createContactList"
ADD_CONTACTS = "/campaign/contactList/addContacts"
JSON = {"content-type": "application/json"}


# --- helpers ---


@dataclass(frozen=True)
class Counts:
    campaigns: int
    lists: int
    contacts: int


def counts(database_url: str) -> Counts:
    """Row counts read straight from the database the app writes to."""
    engine = make_sync_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:

            def count(table: str) -> int:
                return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

            return Counts(count("campaigns"), count("contact_lists"), count("contacts"))
    finally:
        engine.dispose()


def assert_envelope(res: httpx.Response, status: int) -> list[dict[str, Any]]:
    """`res` is a `status` refusal in Kore's envelope; returns its error items."""
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/json")
    body = res.json()
    assert isinstance(body, dict) and set(body) == {"errors"}, body
    items = body["errors"]
    assert isinstance(items, list) and items, body
    for item in items:
        assert set(item) <= {"msg", "code", "field"}, item
        assert isinstance(item["msg"], str) and item["msg"], item
        assert item["code"] == status, item
        if "field" in item:
            assert isinstance(item["field"], str) and item["field"], item
    return list(items)


def fields(items: list[dict[str, Any]]) -> set[str]:
    return {str(i["field"]) for i in items if "field" in i}


def create_campaign(api: Api, **kw: Any) -> httpx.Response:
    return api.post("/campaign", params={"campaignType": "voice"}, **kw)


def create_list(api: Api, **kw: Any) -> httpx.Response:
    return api.post(CREATE_LIST, **kw)


def add_contacts(api: Api, **kw: Any) -> httpx.Response:
    return api.post(ADD_CONTACTS, prefix=V1_1, query=False, **kw)


POSTS = {"campaign": create_campaign, "list": create_list, "contacts": add_contacts}


@pytest.fixture
def ready(api: Api) -> Api:
    """Account A with a call list `Customers` (two contacts) and a DNC list `Blocked`."""
    api.basic_setup()
    return api


def valid_campaign() -> dict[str, Any]:
    return campaign_body("Fuzz", ["Customers"], "Blocked")


def valid_list() -> dict[str, Any]:
    return {"name": "Fuzz list", "description": "d", "source": "passiveApi", "listType": "call"}


def valid_contacts() -> dict[str, Any]:
    return {
        "contact_list_name": "Customers",
        "data": [{"phoneNumber": "+14155550150"}, {"phoneNumber": "+14155550151"}],
    }


VALID = {"campaign": valid_campaign, "list": valid_list, "contacts": valid_contacts}


# --- malformed bodies: 400 in the envelope, nothing written ---

MALFORMED = [
    pytest.param(b"{bad", id="broken-json"),
    pytest.param(b'{"name": "x",}', id="trailing-comma"),
    pytest.param(b'{"name": "x"', id="truncated"),
    pytest.param(b"\xff\xfe\x00", id="not-utf8"),
    pytest.param(b"[]", id="empty-array"),
    pytest.param(b'[{"name": "x"}]', id="array-of-objects"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"true", id="boolean"),
    pytest.param(b"null", id="null"),
    pytest.param(b"", id="empty"),
    pytest.param(b"   \n", id="whitespace"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
    pytest.param(b'{"name": ' + b"1" * 5000 + b"}", id="huge-integer-literal"),
]


@pytest.mark.parametrize("target", sorted(POSTS))
@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_body_is_a_400_envelope(
    ready: Api, database_url: str, target: str, body: bytes
) -> None:
    before = counts(database_url)
    res = POSTS[target](ready, content=body, headers=JSON)
    assert_envelope(res, 400)
    assert counts(database_url) == before


@pytest.mark.parametrize("target", sorted(POSTS))
def test_post_without_any_body_is_a_400(ready: Api, database_url: str, target: str) -> None:
    before = counts(database_url)
    items = assert_envelope(POSTS[target](ready), 400)
    assert any("required" in i["msg"] for i in items), items
    assert counts(database_url) == before


def test_broken_json_says_so(ready: Api) -> None:
    items = assert_envelope(create_list(ready, content=b"{bad", headers=JSON), 400)
    assert items == [{"msg": "Request body is not valid JSON", "code": 400}]


@pytest.mark.parametrize("body", [[], "x", 1, None, [valid_list()]])
def test_non_object_json_says_the_body_must_be_an_object(ready: Api, body: Any) -> None:
    items = assert_envelope(create_list(ready, content=json.dumps(body), headers=JSON), 400)
    assert "field" not in items[0]
    assert "object" in items[0]["msg"], items


def test_non_json_content_type_is_refused_not_crashed(ready: Api, database_url: str) -> None:
    before = counts(database_url)
    body = json.dumps(valid_list()).encode()
    res = create_list(ready, content=body, headers={"content-type": "text/plain"})
    assert_envelope(res, 400)
    assert counts(database_url) == before


# wrong types at several depths: (target, json path, replacement value)
WRONG_TYPES = [
    ("campaign", ("name",), 5),
    ("campaign", ("contactLists",), "Customers"),
    ("campaign", ("contactLists", 0), {"name": "Customers"}),
    ("campaign", ("dialingStrategy",), []),
    ("campaign", ("dialingStrategy", "callerId"), "+14155550100"),
    ("campaign", ("dialingStrategy", "callerId", "phoneNumber"), 14155550100),
    ("campaign", ("dialingStrategy", "maxAttemptsPerRecord"), "3"),
    ("campaign", ("dialingStrategy", "callingHours", "days"), {"day": "MO"}),
    ("campaign", ("dialingStrategy", "callingHours", "days", 2), "TU"),
    ("campaign", ("dialingStrategy", "callingHours", "days", 2, "end"), 18),
    ("campaign", ("schedule", "isSchedulingEnabled"), "no"),
    ("campaign", ("dncLists",), ["Blocked"]),
    ("list", ("name",), ["x"]),
    ("list", ("description",), {"a": 1}),
    ("list", ("allowDuplicates",), "yes"),
    ("contacts", ("contact_list_name",), None),
    ("contacts", ("data",), {"phoneNumber": "+14155550150"}),
    ("contacts", ("data", 1), "+14155550151"),
    ("contacts", ("data", 1, "phoneNumber"), {"n": 1}),
]


def _replace(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    body = copy.deepcopy(body)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


@pytest.mark.parametrize(("target", "path", "value"), WRONG_TYPES, ids=lambda v: repr(v)[:40])
def test_wrong_type_names_the_field(
    ready: Api, database_url: str, target: str, path: tuple[str | int, ...], value: Any
) -> None:
    before = counts(database_url)
    body = _replace(VALID[target](), path, value)
    items = assert_envelope(POSTS[target](ready, json=body), 400)
    named = fields(items)
    dotted = _dotted(path)
    assert any(f == dotted or f.startswith((f"{dotted}.", f"{dotted}[")) for f in named), (
        dotted,
        items,
    )
    assert counts(database_url) == before


def test_several_wrong_fields_are_reported_together(ready: Api) -> None:
    body = valid_campaign()
    body["name"] = 1
    body["dialingStrategy"]["maxRingTime"] = "30"
    body["dialingStrategy"]["callingHours"]["days"][0]["start"] = False
    items = assert_envelope(create_campaign(ready, json=body), 400)
    assert {
        "name",
        "dialingStrategy.maxRingTime",
        "dialingStrategy.callingHours.days[0].start",
    } <= fields(items)


def test_wrong_query_types_are_400(ready: Api) -> None:
    created = ready.create_list("Paged")
    res = ready.get(f"/campaign/contactList/{created['_id']}/getAllContacts", params={"limit": "x"})
    assert "limit" in fields(assert_envelope(res, 400))
    res = ready.post("/campaign/getAllCampaignDetails", json={"skip": "x", "limit": {"a": 1}})
    assert {"skip", "limit"} <= fields(assert_envelope(res, 400))


# NUL characters: PostgreSQL text columns cannot hold U+0000, so a string carrying one must be
# refused as invalid input on every backend (the same answer on SQLite and PostgreSQL).
NUL_STRINGS = [
    ("list", ("name",), "Bad\x00name"),
    ("campaign", ("name",), "Camp\x00aign"),
    ("contacts", ("data", 0, "firstName"), "Ann\x00"),
]


@pytest.mark.parametrize(("target", "path", "value"), NUL_STRINGS, ids=lambda v: repr(v)[:40])
def test_nul_character_in_a_string_is_a_400(
    ready: Api, database_url: str, target: str, path: tuple[str | int, ...], value: str
) -> None:
    before = counts(database_url)
    body = _replace(VALID[target](), path, value)
    res = POSTS[target](ready, json=body)
    assert res.status_code < 500, res.text
    items = assert_envelope(res, 400)
    assert _dotted(path) in fields(items), items
    assert counts(database_url) == before


# a NUL in a name or id that is only looked up: refused (400) or not found (404), never a 500
NUL_LOOKUPS = [
    ("contacts", ("contact_list_name",), "Customers\x00"),
    ("campaign", ("contactLists", 0), "Customers\x00"),
]


@pytest.mark.parametrize(("target", "path", "value"), NUL_LOOKUPS, ids=lambda v: repr(v)[:40])
def test_nul_character_in_a_looked_up_name_is_refused(
    ready: Api, database_url: str, target: str, path: tuple[str | int, ...], value: str
) -> None:
    before = counts(database_url)
    res = POSTS[target](ready, json=_replace(VALID[target](), path, value))
    assert res.status_code in (400, 404), res.text
    assert_envelope(res, res.status_code)
    assert counts(database_url) == before


@pytest.mark.parametrize("path", ["/campaign/cd-%00", "/campaign/contactList/cl-%00"])
def test_nul_character_in_a_path_id_is_refused(ready: Api, path: str) -> None:
    res = ready.get(path)
    assert res.status_code in (400, 404), res.text
    assert_envelope(res, res.status_code)


# --- bodies over the limit: 413, before any handler runs ---


def _padded(size: int) -> bytes:
    """A valid createContactList body of exactly `size` bytes (the pad key is ignored)."""
    head, tail = b'{"name": "Big", "description": "d", "pad": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_body_at_the_limit_is_accepted(api: Api, settings: Settings) -> None:
    assert settings.max_body_bytes == LIMIT
    res = create_list(api, content=_padded(LIMIT), headers=JSON)
    assert res.status_code == 200, res.text


@pytest.mark.parametrize("target", sorted(POSTS))
def test_body_over_the_limit_with_content_length_is_413(
    ready: Api, database_url: str, target: str
) -> None:
    before = counts(database_url)
    body = _padded(LIMIT + 1)
    res = POSTS[target](ready, content=body, headers=JSON)
    assert res.request.headers["content-length"] == str(LIMIT + 1)
    items = assert_envelope(res, 413)
    assert items == [{"msg": f"Request body is larger than {LIMIT} bytes", "code": 413}]
    assert counts(database_url) == before


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("target", sorted(POSTS))
def test_streamed_body_over_the_limit_is_413(ready: Api, database_url: str, target: str) -> None:
    before = counts(database_url)
    res = POSTS[target](ready, content=_chunks(_padded(LIMIT + 1)), headers=JSON)
    assert "content-length" not in res.request.headers
    assert res.request.headers["transfer-encoding"] == "chunked"
    assert_envelope(res, 413)
    assert counts(database_url) == before


def test_streamed_body_under_the_limit_is_served(api: Api, database_url: str) -> None:
    before = counts(database_url)
    res = create_list(api, content=_chunks(_padded(LIMIT)), headers=JSON)
    assert res.request.headers["transfer-encoding"] == "chunked"
    assert res.status_code == 200, res.text
    assert counts(database_url).lists == before.lists + 1


# --- methods and paths ---


def test_wrong_method_on_an_existing_campaign_is_kores_405(ready: Api) -> None:
    campaign = ready.create_campaign(valid_campaign())
    res = ready.request("PATCH", f"/campaign/{campaign['id']}", json={"name": "x"})
    assert res.status_code == 405
    assert res.json() == sample("platform-method-not-allowed-error-response")
    assert ready.get(f"/campaign/{campaign['id']}").json()["data"]["name"] == "Fuzz"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/campaign/cd-1234567-0000-4000-8000-000000000000"),
        ("PATCH", "/campaign/contactList/cl-1234567-0000-4000-8000-000000000000"),
        ("DELETE", "/campaign"),
        ("PUT", "/campaign"),
        ("PUT", "/campaign/cd-1234567-0000-4000-8000-000000000000/status"),
        ("DELETE", "/campaign/contactList/cl-1234567-0000-4000-8000-000000000000/getAllContacts"),
    ],
)
def test_wrong_methods_are_405(api: Api, method: str, path: str) -> None:
    res = api.request(method, path, json={})
    assert res.status_code == 405, res.text
    assert res.json() == sample("platform-method-not-allowed-error-response")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_on_add_contacts_is_405(api: Api, method: str) -> None:
    res = api.request(method, ADD_CONTACTS, prefix=V1_1, query=False)
    assert res.status_code == 405, res.text
    assert res.json() == sample("platform-method-not-allowed-error-response")


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/campaign/api/v2/public/st-x/nothing-here",
        "/campaign/api/v9/public/st-x/campaign",
        "/campaign/api/v2/public/st-x/campaign/cd-1/status/extra",
    ],
)
def test_unknown_path_is_404_envelope(api: Api, path: str) -> None:
    res = api.client.get(path, headers={"auth": api.token})
    items = assert_envelope(res, 404)
    assert items == [{"msg": "Resource not found", "code": 404}]


def test_missing_campaign_is_404_envelope(api: Api) -> None:
    assert_envelope(api.get("/campaign/cd-1234567-0000-4000-8000-000000000000"), 404)


def test_double_slash_path_form_works(ready: Api) -> None:
    created = ready.create_campaign(valid_campaign())
    path = V2.format(stream=ready.stream) + "/campaign//getAllCampaignDetails"
    params = {"accountId": ready.account}
    for method in ("GET", "POST"):
        res = ready.client.request(method, path, params=params, headers={"auth": ready.token})
        assert res.status_code == 200, res.text
        ids = [c.get("_id", c.get("id")) for c in res.json()["data"]["results"]]
        assert created["id"] in ids
    res = ready.client.get(
        V2.format(stream=ready.stream) + "//campaign//" + created["id"],
        params=params,
        headers={"auth": ready.token},
    )
    assert res.status_code == 200, res.text


# --- fuzz: random JSON never crashes the service and only 200s write ---

SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        out.append((*prefix, key))
        if isinstance(value, dict | list) and value:
            out.extend(_paths(value, (*prefix, key)))
    return out


def _dicts(node: Any) -> list[dict[str, Any]]:
    found = [node] if isinstance(node, dict) else []
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        found.extend(_dicts(child))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """`base` with up to three edits: a value replaced by random JSON, removed, or a random
    key added (which the service ignores, so some of these bodies are valid)."""
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "add":
            node = draw(st.sampled_from(_dicts(body)))
            node[draw(st.text(max_size=12))] = draw(JSON_VALUES)
            continue
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return body


def _fuzz_bodies(target: str) -> st.SearchStrategy[Any]:
    return JSON_VALUES | mutated(VALID[target]())


@pytest.mark.parametrize("target", sorted(POSTS))
def test_random_json_never_500s_and_only_200s_write(
    ready: Api, database_url: str, target: str
) -> None:
    before = counts(database_url)
    created = {"campaign": 0, "list": 0, "contacts": 0}
    statuses: set[int] = set()

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(body=_fuzz_bodies(target))
    def send(body: Any) -> None:
        res = POSTS[target](ready, json=body)
        statuses.add(res.status_code)
        assert res.status_code < 500, (body, res.text)
        if res.status_code == 200:
            created[target] += int(res.headers.get("x-outdial-added", "1"))
        else:
            assert_envelope(res, res.status_code)

    send()
    after = counts(database_url)
    assert after.campaigns == before.campaigns + created["campaign"]
    assert after.lists == before.lists + created["list"]
    assert after.contacts == before.contacts + created["contacts"]
    assert statuses & {400, 404, 409}, statuses
