"""The tenancy matrix, generated from the app's route table (`app.state.route_table`), so a new
route is covered the moment it is registered.

Three sides: account A on streams A1 and A2 (one app, one token) and account B on stream B1
(its own app), each with a call list, a DNC list, contacts and a campaign made through the API.

* Cross-tenant: A, on its own stream, names B's objects. An id in the path answers exactly like
  a made-up id (404); collections never show B's ids, names or numbers; a body naming B's list
  answers like a made-up name.
* Foreign stream: A's token on B's stream path is Kore's 401 4002, whatever the route.
* Cross-stream: the same rules between A1 and A2 (one token), except the account's global DNC
  list, which every stream of the account sees by design.

Each test ends by reading the other side's objects back and comparing them with a snapshot.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from outdial.app import ROUTE_TABLE
from outdial.apps.service import Credentials
from outdial.config import Settings
from outdial.kit.ids import short_id
from outdial.kit.routing import Route
from tests.api import Api, campaign_body
from tests.conftest import ACCOUNT_A, ACCOUNT_B, STREAM_A1, STREAM_A2, STREAM_B1, make_credentials

INVALID = {"errors": [{"msg": "Invalid SDK credentials", "code": 4002}]}
LISTS = "/campaign/contactList/getAllListDetails"
CAMPAIGNS = "/campaign/getAllCampaignDetails"
GLOBAL_DNC = "Default Global DNC"
PROBE_NUMBER = "+14155550199"
TRUNK_URI = "sip:{number}@127.0.0.1:5070"

# What a path id names, per `Route.target`, and the prefix a made-up id of that kind gets.
# A new target (e.g. "run") must be added here and to `Side.ids`.
TARGET_PREFIX = {"campaign": "cd", "contactList": "cl", "run": "cid", "trunk": "tk", "flow": "cf"}

# Kore-shaped ids (`cd-9e14b72-...`, `st-...`, `u-...`) and 24-hex account ids.
ID_PATTERN = re.compile(
    r"\b[a-z]{1,4}-[0-9a-f]{7,8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b[0-9a-f]{24}\b"
)


@dataclass
class Side:
    """One stream's objects, made through the API, and the client acting there."""

    api: Api
    tag: str
    numbers: tuple[str, ...]
    campaign_id: str = ""
    global_user_id: str = ""
    call_id: str = ""
    dnc_id: str = ""
    global_id: str = ""
    run_id: str = ""
    trunk_id: str = ""
    flow_id: str = ""

    @property
    def call_name(self) -> str:
        return f"Calls {self.tag}"

    @property
    def dnc_name(self) -> str:
        return f"Blocked {self.tag}"

    @property
    def campaign_name(self) -> str:
        return f"Campaign {self.tag}"

    @property
    def global_user_name(self) -> str:
        """A campaign whose DNC list is the account's global one."""
        return f"Global user {self.tag}"

    @property
    def names(self) -> set[str]:
        return {self.call_name, self.dnc_name, self.campaign_name, self.global_user_name}

    def ids(self, target: str, *, with_global: bool) -> tuple[str, ...]:
        lists = (self.call_id, self.dnc_id, *((self.global_id,) if with_global else ()))
        campaigns = (self.campaign_id, self.global_user_id)
        # a SIP trunk belongs to the account: every stream of it sees it, like the global list
        trunks = (self.trunk_id,) if with_global else ()
        return {"campaign": campaigns, "contactList": lists, "run": (self.run_id,),
                "trunk": trunks, "flow": (self.flow_id,)}[target]  # fmt: skip


@dataclass(frozen=True)
class Foreign:
    """What the caller must not reach: ids by path target, list names, and every string
    (id, name, number) that must never show up in the caller's answers."""

    ids: dict[str, tuple[str, ...]]
    list_names: tuple[str, ...]
    campaign_names: tuple[str, ...]
    secrets: frozenset[str]


# Each side's numbers: two contacts, one DNC entry, one global DNC entry (never shared).
NUMBERS = {
    tag: tuple(f"+14155552{n}{i}" for i in range(4))
    for tag, n in (("A1", "21"), ("A2", "22"), ("B1", "23"))
}


def populate(api: Api, tag: str, numbers: tuple[str, ...], *, owns_global: bool) -> Side:
    side = Side(api, tag, numbers)
    side.call_id = api.create_list(side.call_name)["_id"]
    side.dnc_id = api.create_list(side.dnc_name, "dnc")["_id"]
    for name, rows in ((side.call_name, numbers[:2]), (side.dnc_name, numbers[2:3])):
        res = api.add_contacts(name, [{"phoneNumber": n} for n in rows])
        assert res.status_code == 200, res.text
    if owns_global:
        res = api.add_contacts(GLOBAL_DNC, [{"phoneNumber": numbers[3]}])
        assert res.status_code == 200, res.text
    body = campaign_body(side.campaign_name, [side.call_name], side.dnc_name)
    side.campaign_id = api.create_campaign(body)["id"]
    body = campaign_body(side.global_user_name, [side.call_name], GLOBAL_DNC)
    side.global_user_id = api.create_campaign(body)["id"]
    for campaign_id in (side.campaign_id, side.global_user_id):
        status = api.get(f"/campaign/{campaign_id}/status").json()["data"]["status"]
        assert status == "Ready", f"snapshots need settled campaigns; {campaign_id} is {status}"
    played = api.post(f"/campaign/{side.global_user_id}", params={"trigger": "play"}, json={})
    assert played.status_code == 200, played.text
    side.run_id = played.json()["campaignInstanceId"]
    stopped = api.post(f"/campaign/{side.global_user_id}", params={"trigger": "stop"}, json={})
    assert stopped.status_code == 200, stopped.text
    listed = api.get(LISTS, params={"type": "dnc"})
    assert listed.status_code == 200, listed.text
    side.global_id = next(item["_id"] for item in listed.json()["data"] if item["isGlobalDNC"])
    trunk = api.post("/sip/trunks", json={"name": f"Trunk {tag}", "uri": TRUNK_URI})
    assert trunk.status_code == 200, trunk.text
    side.trunk_id = trunk.json()["data"]["_id"]
    side.flow_id = api.get("/sip/flows").json()["data"][0]["_id"]
    return side


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The dialer stays off: the runs made here only need to exist, not to dial."""
    return Settings(database_url=database_url, default_region="US", dialer=False)


@pytest.fixture
def a1(api: Api) -> Side:
    """Account A on stream A1, where the account's global DNC list lives."""
    return populate(api, "A1", NUMBERS["A1"], owns_global=True)


@pytest.fixture
def a2(client: TestClient, creds: Credentials) -> Side:
    """Account A on stream A2: same app, same token as A1."""
    return populate(Api(client, creds, STREAM_A2), "A2", NUMBERS["A2"], owns_global=False)


@pytest.fixture
def b1(client: TestClient, settings: Settings) -> Side:
    """Account B on stream B1, with its own app."""
    creds_b = make_credentials(settings, ACCOUNT_B, [STREAM_B1], name="tenant B")
    return populate(Api(client, creds_b, STREAM_B1), "B1", NUMBERS["B1"], owns_global=True)


# --- reading a side back --------------------------------------------------------------------


def list_paths(list_id: str) -> list[str]:
    return [f"/campaign/contactList/{list_id}", f"/campaign/contactList/{list_id}/getAllContacts"]


def object_paths(side: Side) -> list[str]:
    paths = [f"/campaign/{side.campaign_id}", f"/campaign/{side.global_user_id}"]
    for list_id in (side.call_id, side.dnc_id, side.global_id):
        paths += list_paths(list_id)
    return [*paths, f"/sip/trunks/{side.trunk_id}", f"/sip/flows/{side.flow_id}"]


def without_usage(answer: dict[str, Any]) -> dict[str, Any]:
    """A list answer without `campaignInUse`/`isListInUse`, which depend on who asks."""
    data = answer["data"]
    if isinstance(data, dict) and "campaignInUse" in data:
        data = {k: v for k, v in data.items() if k not in ("campaignInUse", "isListInUse")}
    return {**answer, "data": data}


def snapshot(side: Side) -> dict[str, Any]:
    """Everything `side` can read about its objects, as its own app sees it."""
    out: dict[str, Any] = {}
    for path in [*object_paths(side), LISTS, CAMPAIGNS]:
        res = side.api.get(path)
        assert res.status_code == 200, f"{path}: {res.text}"
        out[path] = res.json()
    return out


def harvest(value: Any) -> set[str]:
    return set(ID_PATTERN.findall(json.dumps(value)))


def foreign_view(side: Side, *, shared: set[str], with_global: bool) -> Foreign:
    """`side` as seen from elsewhere; `shared` are strings the caller may legitimately see."""
    secrets = (harvest(snapshot(side)) | side.names | set(side.numbers)) - shared
    return Foreign(
        ids={target: side.ids(target, with_global=with_global) for target in TARGET_PREFIX},
        list_names=(side.call_name, side.dnc_name),
        campaign_names=(side.campaign_name, side.global_user_name),
        secrets=frozenset(secrets),
    )


def cross_tenant(b1: Side) -> Foreign:
    return foreign_view(b1, shared=set(), with_global=True)


def cross_stream(a1: Side, a2: Side) -> Foreign:
    """A1 as A2 sees it: the account, the app's user and the global DNC list itself (not the
    campaigns of A1 that use it) are shared."""
    shared = harvest(a2.api.get(f"/campaign/contactList/{a2.call_id}").json())
    for path in list_paths(a1.global_id):
        shared |= harvest(without_usage(a1.api.get(path).json()))
    shared |= {a1.numbers[3], GLOBAL_DNC, STREAM_A1, a1.trunk_id}
    return foreign_view(a1, shared=shared, with_global=False)


# --- requests -------------------------------------------------------------------------------

# Bodies that pass validation for the given side's stream, so that only tenancy decides.
VALID_BODIES: dict[str, Callable[[Side], Any]] = {
    "createCampaign": lambda s: campaign_body("Tenancy probe", [s.call_name], s.dnc_name),
    "updateCampaign": lambda s: campaign_body("Tenancy probe", [s.call_name], s.dnc_name),
    "createContactList": lambda s: {"name": "Tenancy probe", "description": "probe"},
    "updateContactList": lambda s: {"name": "x"},
    "createTrunk": lambda s: {"name": "Tenancy probe", "uri": TRUNK_URI},
    "updateTrunk": lambda s: {"cps": 5},
    "updateFlow": lambda s: {"sipUri": "sip:probe@127.0.0.1"},
    "addContacts": lambda s: {"contact_list_name": s.call_name,
                              "data": [{"phoneNumber": PROBE_NUMBER}]},
    "removeContacts": lambda s: {"contact_list_name": s.dnc_name,
                                 "data": [{"phoneNumber": s.numbers[2]}]},
    "callContactAt": lambda s: [{"campaignDialingListId": "cid-0000001-0000-0000-0000-000000000000",
                                 "timeToContact": "2100-01-01T00:00:00Z"}],
}  # fmt: skip

# Routes (target "none") that find a campaign by the name in their query string.
QUERY_NAME_PROBES: dict[str, Callable[[str], dict[str, str]]] = {
    "scheduleCampaign": lambda name: {"campaignName": name, "enableSchedule": "false"},
}

# Routes (target "none") that find a list by the name in their body: the body naming `name`.
# The answer for a foreign name must equal the answer for a made-up one.
NAME_PROBES: dict[str, Callable[[str], Any]] = {
    "addContacts": lambda name: {"contact_list_name": name,
                                 "data": [{"phoneNumber": PROBE_NUMBER}]},
    "removeContacts": lambda name: {"contact_list_name": name,
                                    "data": [{"phoneNumber": PROBE_NUMBER}]},
    "createContactList": lambda name: {"name": name, "description": "probe"},
    "createCampaign": lambda name: campaign_body("Tenancy probe", [name], name),
    "createTrunk": lambda name: {"name": name, "uri": TRUNK_URI},
}  # fmt: skip

# Where an object a create route made can be deleted again (v2 paths, `{}` = its id).
CREATED_AT = {"createContactList": "/campaign/contactList/{}", "createCampaign": "/campaign/{}",
              "createTrunk": "/sip/trunks/{}"}  # fmt: skip

# Query parameters a route needs besides accountId, so that validation does not answer first.
QUERIES: dict[str, dict[str, str]] = {
    "triggerCampaign": {"trigger": "stop"},
    "triggerCampaignByQuery": {"trigger": "stop"},
}


def body_for(route: Route, method: str, side: Side) -> Any:
    if method in ("GET", "DELETE", "HEAD"):
        return None
    make = VALID_BODIES.get(route.name)
    return make(side) if make else {}


def fill(path: str, stream: str, object_id: str | None = None) -> str:
    """`path` with `{streamId}` and its object-id parameter substituted."""
    values: dict[str, str] = {}
    for _, field, _, _ in string.Formatter().parse(path):
        if field is None or field in values:
            continue
        if field == "streamId":
            values[field] = stream
        elif object_id is not None:
            values[field] = object_id
        else:
            pytest.fail(f"{path} has a {{{field}}} parameter but its Route has target 'none'")
    if object_id is not None and len(values) < 2:
        pytest.fail(f"{path}: the Route has a target but the path has no id parameter")
    return path.format(**values)


def send(
    api: Api, route: Route, method: str, url: str, body: Any, account: str | None = None
) -> httpx.Response:
    params = {"accountId": account or api.account, **QUERIES.get(route.name, {})}
    headers = {"auth": api.token}
    return api.client.request(method, url, params=params, headers=headers, json=body)


def short(res: httpx.Response, limit: int = 400) -> str:
    text = res.text
    return f"{res.status_code} {text if len(text) <= limit else text[:limit] + '...'}"


def same_as_missing(
    where: str, got: httpx.Response, missing: httpx.Response, foreign: str, made_up: str
) -> str | None:
    """None when `got` (naming `foreign`) is exactly `missing` (naming `made_up`)."""
    if got.status_code == missing.status_code and got.status_code >= 400:
        if json.loads(got.text.replace(foreign, made_up)) == missing.json():
            return None
    elif got.status_code == missing.status_code:
        return None
    return (
        f"{where} naming {foreign!r} answered {short(got)}, "
        f"but naming the made-up {made_up!r} answered {short(missing)}"
    )


def check_route_known(route: Route) -> None:
    if route.target != "none" and route.target not in TARGET_PREFIX:
        pytest.fail(
            f"Route {route.name} has target {route.target!r}, which the tenancy matrix does not "
            f"know: add it to TARGET_PREFIX and Side.ids in tests/test_tenancy.py (create such "
            f"an object for every side in `populate`)."
        )
    if route.target != "none":
        return
    known = route.name in NAME_PROBES or route.name in QUERY_NAME_PROBES
    if not (route.name.startswith("getAll") or known):
        pytest.fail(
            f"Route {route.name} (target 'none') is neither a getAll* collection nor listed in "
            f"NAME_PROBES in tests/test_tenancy.py: say how it could reach another tenant's "
            f"objects (a collection named getAll*, or a body naming a list)."
        )


# --- the probes -----------------------------------------------------------------------------


def probe_ids(route: Route, caller: Side, foreign: Foreign, path: str, method: str) -> list[str]:
    problems: list[str] = []
    body = body_for(route, method, caller)
    for foreign_id in foreign.ids[route.target]:
        made_up = short_id(TARGET_PREFIX[route.target])
        where = f"{method} {path}"
        missing = send(caller.api, route, method, fill(path, caller.api.stream, made_up), body)
        if missing.status_code != 404:
            problems.append(
                f"{where}: a made-up id answers {short(missing)}, not 404; "
                f"give {route.name} a valid body in VALID_BODIES (or query in QUERIES) so "
                f"that the id decides"
            )
            continue
        got = send(caller.api, route, method, fill(path, caller.api.stream, foreign_id), body)
        problem = same_as_missing(where, got, missing, foreign_id, made_up)
        if problem:
            problems.append(problem)
    return problems


def probe_collection(
    route: Route, caller: Side, foreign: Foreign, path: str, method: str
) -> list[str]:
    where = f"{method} {path}"
    res = send(
        caller.api, route, method, fill(path, caller.api.stream), body_for(route, method, caller)
    )
    if res.status_code != 200:
        return [f"{where} answered {short(res)}"]
    problems = []
    leaked = sorted(s for s in foreign.secrets if s in res.text)
    if leaked:
        problems.append(f"{where} shows another tenant's/stream's {leaked}: {short(res)}")
    own = {caller.campaign_id, caller.call_id, caller.dnc_id, caller.trunk_id, caller.flow_id}
    if not own & harvest(res.json()):
        problems.append(f"{where} does not show the caller's own objects either: {short(res)}")
    return problems


def probe_names(route: Route, caller: Side, foreign: Foreign, path: str, method: str) -> list[str]:
    problems: list[str] = []
    url = fill(path, caller.api.stream)
    for name in foreign.list_names:
        made_up = f"No such list {short_id('x')[:10]}"
        results = []
        for probe_name in (name, made_up):
            res = send(caller.api, route, method, url, NAME_PROBES[route.name](probe_name))
            results.append(res)
            if res.status_code == 200 and route.name in CREATED_AT:
                data = res.json()["data"]
                deleted = caller.api.delete(
                    CREATED_AT[route.name].format(data.get("_id", data.get("id")))
                )
                assert deleted.status_code == 200, deleted.text
        problem = same_as_missing(f"{method} {path}", results[0], results[1], name, made_up)
        if problem:
            problems.append(problem)
        if route.name not in CREATED_AT and results[0].status_code != 404:
            problems.append(f"{method} {path} naming {name!r}: expected 404, {short(results[0])}")
    return problems


def probe_query_names(
    route: Route, caller: Side, foreign: Foreign, path: str, method: str
) -> list[str]:
    """A campaign named in the query: a foreign name answers like a made-up one (404)."""
    problems: list[str] = []
    url = fill(path, caller.api.stream)
    for name in foreign.campaign_names:
        made_up = f"No such campaign {short_id('x')[:10]}"
        results = []
        for probe_name in (name, made_up):
            params = {"accountId": caller.api.account, **QUERY_NAME_PROBES[route.name](probe_name)}
            results.append(
                caller.api.client.request(
                    method, url, params=params, headers={"auth": caller.api.token}, json={}
                )
            )
        problem = same_as_missing(f"{method} {path}", results[0], results[1], name, made_up)
        if problem:
            problems.append(problem)
        if results[0].status_code != 404:
            problems.append(f"{method} {path} naming {name!r}: expected 404, {short(results[0])}")
    return problems


def probe(route: Route, caller: Side, foreign: Foreign) -> list[str]:
    """Every path and method of `route`, called by `caller` against `foreign`'s objects."""
    check_route_known(route)
    problems: list[str] = []
    for path in route.paths():
        for method in route.methods:
            if route.target != "none":
                problems += probe_ids(route, caller, foreign, path, method)
            elif route.name.startswith("getAll"):
                problems += probe_collection(route, caller, foreign, path, method)
            elif route.name in QUERY_NAME_PROBES:
                problems += probe_query_names(route, caller, foreign, path, method)
            else:
                problems += probe_names(route, caller, foreign, path, method)
    return problems


def route_named(client: TestClient, name: str) -> Route:
    table: tuple[Route, ...] = tuple(client.app.state.route_table)  # type: ignore[attr-defined]
    return next(route for route in table if route.name == name)


ROUTE_NAMES = [route.name for route in ROUTE_TABLE]


def api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute the app serves, looking inside included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        else:
            inner = getattr(route, "original_router", route)
            yield from api_routes(getattr(inner, "routes", ()))


# --- the tests ------------------------------------------------------------------------------


def test_the_matrix_walks_what_the_app_serves(client: TestClient) -> None:
    """Every route under /public/{streamId} comes from the route table (nothing the matrix
    cannot see), and every table route is served."""
    table = tuple(client.app.state.route_table)  # type: ignore[attr-defined]
    assert [route.name for route in table] == ROUTE_NAMES
    assert len(set(ROUTE_NAMES)) == len(ROUTE_NAMES), "route names must be unique"
    declared = {(path, m) for route in table for path in route.paths() for m in route.methods}
    served = {
        (route.path, method)
        for route in api_routes(client.app.routes)
        if "{streamId}" in route.path
        for method in route.methods
    }
    assert served - declared == set(), "routes registered outside app.state.route_table"
    assert declared - served == set(), "route table entries that are not served"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_other_tenants_objects_answer_like_missing_ones(
    client: TestClient, a1: Side, b1: Side, name: str
) -> None:
    route = route_named(client, name)
    foreign = cross_tenant(b1)
    before = snapshot(b1)
    problems = probe(route, a1, foreign)
    assert not problems, "\n".join(problems)
    assert snapshot(b1) == before, f"{name} changed tenant B's objects"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_other_tenants_stream_path_is_401(
    client: TestClient, api: Api, b1: Side, name: str
) -> None:
    """A's token on B's stream, with bodies that would be valid there: Kore's 401, never a
    404 or 403, for either account id."""
    route = route_named(client, name)
    check_route_known(route)
    before = snapshot(b1)
    object_id = b1.ids(route.target, with_global=True)[0] if route.target != "none" else None
    problems = []
    for path in route.paths():
        url = fill(path, STREAM_B1, object_id)
        for method in route.methods:
            for account in (ACCOUNT_A, ACCOUNT_B):
                res = send(api, route, method, url, body_for(route, method, b1), account)
                if res.status_code != 401 or res.json() != INVALID:
                    problems.append(f"{method} {url} as A (accountId {account}): {short(res)}")
    assert not problems, "\n".join(problems)
    assert snapshot(b1) == before, f"{name} changed tenant B's objects"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_other_streams_objects_answer_like_missing_ones(
    client: TestClient, a1: Side, a2: Side, name: str
) -> None:
    route = route_named(client, name)
    foreign = cross_stream(a1, a2)
    before = snapshot(a1)
    problems = probe(route, a2, foreign)
    assert not problems, "\n".join(problems)
    assert snapshot(a1) == before, f"{name} on A2 changed A1's objects"


def test_global_dnc_list_is_visible_from_every_stream_of_its_account(a1: Side, a2: Side) -> None:
    assert a1.global_id == a2.global_id
    for path in list_paths(a1.global_id):
        on_a1, on_a2 = a1.api.get(path), a2.api.get(path)
        assert on_a2.status_code == 200, on_a2.text
        assert without_usage(on_a2.json()) == without_usage(on_a1.json())
    listed = a2.api.get(LISTS, params={"type": "dnc"}).json()["data"]
    assert {item["_id"] for item in listed} == {a2.dnc_id, a2.global_id}
    contacts = a2.api.get(list_paths(a1.global_id)[1]).json()["data"]["results"]
    assert a1.numbers[3] in {c["phoneNumber"] for c in contacts}


def test_global_dnc_list_does_not_reveal_other_streams_campaigns(a1: Side, a2: Side) -> None:
    """The list is shared; which campaigns of another stream use it is not."""
    for caller, other in ((a2, a1), (a1, a2)):
        for path in (f"/campaign/contactList/{caller.global_id}", LISTS):
            res = caller.api.get(path)
            assert res.status_code == 200, res.text
            shown = [v for v in (other.global_user_id, other.global_user_name) if v in res.text]
            assert not shown, f"{caller.tag} sees {other.tag}'s campaigns {shown}: {res.text}"


def test_global_dnc_list_stays_inside_its_account(a1: Side, b1: Side) -> None:
    for caller, other in ((a1, b1), (b1, a1)):
        listed = caller.api.get(LISTS).json()["data"]
        assert [i["_id"] for i in listed if i.get("isGlobalDNC")] == [caller.global_id]
        res = caller.api.get(f"/campaign/contactList/{other.global_id}")
        assert res.status_code == 404, res.text


def test_accounts_own_same_named_objects_independently(a1: Side, b1: Side) -> None:
    """Names are per stream: A may create lists and campaigns with B's names, and B's objects
    do not change."""
    before = snapshot(b1)
    a1.api.create_list(b1.call_name)
    a1.api.create_list(b1.dnc_name, "dnc")
    a1.api.create_campaign(campaign_body(b1.campaign_name, [b1.call_name], b1.dnc_name))
    mine = a1.api.get(CAMPAIGNS).json()["data"]["results"]
    assert b1.campaign_name in {c["name"] for c in mine}
    assert b1.campaign_id not in {c["_id"] for c in mine}
    assert snapshot(b1) == before
