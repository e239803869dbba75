"""SIP trunks and flow SIP URIs: the extension API, the `outdial trunks` CLI, the directory
the SIP backend asks for each call's route, and the SIP settings. A trunk's password is
stored (digest needs it in clear) and never shown by the API or the CLI.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from outdial.app import create_app
from outdial.backends import build_telephony, sip_config
from outdial.cli import cli
from outdial.config import Settings
from outdial.kit.clock import SystemClock
from outdial.kit.db import make_sync_engine
from outdial.telephony.base import CallRequest
from outdial.telephony.sip.backend import SipTelephony
from outdial.telephony.sip.config import OnAnswer
from outdial.trunk.directory import TrunkDirectory
from tests.api import Api, campaign_body
from tests.conftest import STREAM_A2

SECRET = "hunter2-Very-Secret-7"
TRUNKS = "/sip/trunks"
FLOWS = "/sip/flows"


def trunk_body(name: str = "Carrier", **extra: Any) -> dict[str, Any]:
    return {"name": name, "uri": "sip:{number}@127.0.0.1:5070", **extra}


def create(api: Api, **extra: Any) -> dict[str, Any]:
    res = api.post(TRUNKS, json=trunk_body(**extra))
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


def stored_password(database_url: str, trunk_id: str) -> str:
    engine = make_sync_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = text("SELECT password FROM sip_trunks WHERE id = :id")
            return str(conn.execute(query, {"id": trunk_id}).scalar_one())
    finally:
        engine.dispose()


# ---- the API ---------------------------------------------------------------------------------


def test_the_password_is_kept_but_never_echoed(api: Api, database_url: str) -> None:
    res = api.post(TRUNKS, json=trunk_body(username="outdial", password=SECRET))
    assert res.status_code == 200, res.text
    trunk = res.json()["data"]
    assert trunk["hasPassword"] is True and trunk["username"] == "outdial"
    assert "password" not in trunk
    tid = trunk["_id"]
    answers = [
        res,
        api.get(TRUNKS),
        api.get(f"{TRUNKS}/{tid}"),
        api.put(f"{TRUNKS}/{tid}", json={"cps": 2.5}),
        api.put(f"{TRUNKS}/{tid}", json={"password": SECRET + "-2"}),
        api.put(f"{TRUNKS}/{tid}", json={"password": SECRET, "uri": "sip:x"}),  # 400
        api.get("/openapi.json", prefix=""),
    ]
    for answer in answers:
        assert SECRET not in answer.text, answer.text
    assert stored_password(database_url, tid) == SECRET + "-2"
    deleted = api.delete(f"{TRUNKS}/{tid}")
    assert deleted.status_code == 200 and SECRET not in deleted.text
    assert api.get(f"{TRUNKS}/{tid}").status_code == 404


def test_an_empty_password_removes_it(api: Api, database_url: str) -> None:
    tid = create(api, username="u", password=SECRET)["_id"]
    res = api.put(f"{TRUNKS}/{tid}", json={"password": ""})
    assert res.status_code == 200 and res.json()["data"]["hasPassword"] is False
    assert stored_password(database_url, tid) == ""


def test_trunk_fields_round_trip(api: Api) -> None:
    trunk = create(api, transport="tcp", cps=2.5, maxCalls=7)
    assert {k: trunk[k] for k in ("name", "uri", "transport", "cps", "maxCalls")} == {
        "name": "Carrier",
        "uri": "sip:{number}@127.0.0.1:5070",
        "transport": "tcp",
        "cps": 2.5,
        "maxCalls": 7,
    }
    assert trunk["_id"].startswith("tk-") and trunk["hasPassword"] is False
    res = api.put(f"{TRUNKS}/{trunk['_id']}", json={"name": "Renamed", "maxCalls": 9})
    assert res.status_code == 200, res.text
    assert (res.json()["data"]["name"], res.json()["data"]["maxCalls"]) == ("Renamed", 9)
    assert res.json()["data"]["transport"] == "tcp", "fields not sent stay as they are"


def test_one_default_trunk_per_account(api: Api) -> None:
    first = create(api, name="First")
    second = create(api, name="Second")
    assert (first["isDefault"], second["isDefault"]) == (True, False)
    third = create(api, name="Third", isDefault=True)
    assert third["isDefault"] is True
    defaults = {t["name"]: t["isDefault"] for t in api.get(TRUNKS).json()["data"]}
    assert defaults == {"First": False, "Second": False, "Third": True}
    api.put(f"{TRUNKS}/{second['_id']}", json={"isDefault": True})
    defaults = {t["name"]: t["isDefault"] for t in api.get(TRUNKS).json()["data"]}
    assert defaults == {"First": False, "Second": True, "Third": False}


def test_trunks_belong_to_the_account_not_the_stream(api: Api) -> None:
    tid = create(api)["_id"]
    other_stream = Api(api.client, api.creds, STREAM_A2)
    assert other_stream.get(f"{TRUNKS}/{tid}").status_code == 200
    assert [t["_id"] for t in other_stream.get(TRUNKS).json()["data"]] == [tid]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (trunk_body(uri="sip:fixed@127.0.0.1"), "uri"),
        (trunk_body(uri="sips:{number}@127.0.0.1"), "uri"),
        (trunk_body(uri="sip:{number}@h;transport=sctp"), "uri"),
        (trunk_body(uri="sip:{nmber}@h"), "uri"),
        (trunk_body(uri="http://{number}"), "uri"),
        (trunk_body(transport="tls"), "transport"),
        (trunk_body(cps=0), "cps"),
        (trunk_body(cps="5"), "cps"),
        (trunk_body(maxCalls=0), "maxCalls"),
        (trunk_body(maxCalls=1.5), "maxCalls"),
        (trunk_body(name="   "), "name"),
        (trunk_body(isDefault="yes"), "isDefault"),
        ({"uri": "sip:{number}@h"}, "name"),
    ],
)
def test_invalid_trunks_are_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    res = api.post(TRUNKS, json=body)
    assert res.status_code == 400, res.text
    assert [e.get("field") for e in res.json()["errors"]] == [field], res.text
    assert api.get(TRUNKS).json()["data"] == []


def test_trunk_names_are_unique_in_the_account(api: Api) -> None:
    tid = create(api, name="Carrier")["_id"]
    assert api.post(TRUNKS, json=trunk_body(name="CARRIER")).status_code == 409
    other = create(api, name="Other")["_id"]
    res = api.put(f"{TRUNKS}/{other}", json={"name": "carrier"})
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "name"
    assert api.put(f"{TRUNKS}/{tid}", json={"name": "carrier"}).status_code == 200


def flow_of(api: Api) -> dict[str, Any]:
    lists, dnc = api.basic_setup()
    api.create_campaign(campaign_body("C", [lists], dnc, experienceFlowName="Renewal Flow"))
    [flow] = api.get(FLOWS).json()["data"]
    return dict(flow)


def test_flow_sip_uri_is_set_and_cleared(api: Api) -> None:
    flow = flow_of(api)
    assert (flow["name"], flow["sipUri"], flow["effectiveSipUri"]) == ("Renewal Flow", None, None)
    res = api.put(f"{FLOWS}/{flow['_id']}", json={"sipUri": "sip:ivr@10.0.0.5:5080"})
    assert res.status_code == 200, res.text
    assert res.json()["data"]["effectiveSipUri"] == "sip:ivr@10.0.0.5:5080"
    assert api.get(f"{FLOWS}/{flow['_id']}").json()["data"]["sipUri"] == "sip:ivr@10.0.0.5:5080"
    bad = api.put(f"{FLOWS}/{flow['_id']}", json={"sipUri": "tel:+14155550100"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "sipUri"
    cleared = api.put(f"{FLOWS}/{flow['_id']}", json={"sipUri": None})
    assert cleared.status_code == 200 and cleared.json()["data"]["sipUri"] is None


def test_flow_uri_template_applies_without_a_flow_uri(settings: Settings, creds: Any) -> None:
    templated = settings.model_copy(update={"sip_flow_uri": "sip:{flowName}@ivr.example"})
    with TestClient(create_app(templated)) as client:
        flow = flow_of(Api(client, creds, creds.streams[0]))
    assert flow["sipUri"] is None
    assert flow["effectiveSipUri"] == "sip:Renewal%20Flow@ivr.example"


# ---- the directory: each call's route ---------------------------------------------------------


def route(database_url: str, config_settings: Settings, account: str, flow: str) -> Any:
    async def work() -> Any:
        db = make_sync_engine(database_url)
        directory = TrunkDirectory(db, sip_config(config_settings), ttl_s=0)
        try:
            request = CallRequest(
                "att-1", "+14155550123", "+14155550100", 30, flow, "no", account_id=account
            )
            return await directory.route(request)
        finally:
            await directory.close()
            db.dispose()

    return asyncio.run(work())


def test_calls_take_the_accounts_default_trunk_and_the_flows_uri(
    api: Api, settings: Settings, database_url: str
) -> None:
    lists, dnc = api.basic_setup()
    api.create_campaign(campaign_body("C", [lists], dnc))
    account = api.creds.account_id
    [flow] = api.get(FLOWS).json()["data"]
    fallback = settings.model_copy(
        update={"sip_trunk_uri": "sip:{digits}@10.9.9.9", "sip_flow_uri": "sip:{flow}@ivr"}
    )
    found = route(database_url, fallback, account, flow["_id"])
    assert found.trunk.uri == "sip:{digits}@10.9.9.9", "no trunk of its own: the settings'"
    assert found.flow_uri == f"sip:{flow['_id']}@ivr"

    trunk = create(api, username="u", password=SECRET, cps=3, maxCalls=4)
    api.put(f"{FLOWS}/{flow['_id']}", json={"sipUri": "sip:own@ivr"})
    found = route(database_url, fallback, account, flow["_id"])
    assert (found.trunk.key, found.trunk.uri, found.trunk.password) == (
        trunk["_id"],
        "sip:{number}@127.0.0.1:5070",
        SECRET,
    )
    assert found.trunk.limits() == (3.0, 4) and found.flow_uri == "sip:own@ivr"


# ---- settings ---------------------------------------------------------------------------------


def test_sip_settings_build_the_backend(settings: Settings) -> None:
    sip = settings.model_copy(
        update={
            "telephony": "sip",
            "sip_trunk_uri": "sip:{number}@127.0.0.1:5070",
            "sip_bind_port": 0,
            "sip_on_answer": "hangup:2",
            "sip_username": "u",
            "sip_cps": 3.0,
            "sip_max_calls": 4,
        }
    )
    db = make_sync_engine(settings.database_url)
    telephony = build_telephony(sip, SystemClock(), db)
    assert isinstance(telephony, SipTelephony)
    assert telephony.config.on_answer == OnAnswer("hangup", 2.0)
    assert telephony.config.trunk is not None and telephony.config.trunk.limits() == (3.0, 4)
    asyncio.run(telephony.close())
    for bad in ({"sip_trunk_uri": "sip:fixed@h"}, {"sip_flow_uri": "sip:{oops}@h"}):
        with pytest.raises(ValueError, match="OUTDIAL_SIP_"):
            build_telephony(sip.model_copy(update=bad), SystemClock(), db)
    db.dispose()


def test_sip_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTDIAL_TELEPHONY", "sip")
    monkeypatch.setenv("OUTDIAL_SIP_TRANSPORT", "tcp")
    monkeypatch.setenv("OUTDIAL_SIP_ON_ANSWER", "hangup:1.5")
    loaded = Settings()
    assert (loaded.telephony, loaded.sip_transport, loaded.sip_on_answer) == (
        "sip",
        "tcp",
        "hangup:1.5",
    )
    monkeypatch.setenv("OUTDIAL_SIP_ON_ANSWER", "transfer")
    with pytest.raises(ValidationError):
        Settings()


# ---- the CLI ----------------------------------------------------------------------------------


def trunks(database_url: str, *args: str, stdin: str | None = None) -> Result:
    env = {"OUTDIAL_DATABASE_URL": database_url, "COLUMNS": "300"}
    return CliRunner().invoke(cli, ["trunks", *args], env=env, input=stdin)


def test_cli_manages_trunks_without_printing_the_password(api: Api, database_url: str) -> None:
    added = trunks(
        database_url,
        "add", api.account, "--name", "Carrier", "--uri", "sip:{number}@10.0.0.1",
        "--username", "outdial", "--password-stdin", "--cps", "2", "--max-calls", "3",
        stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "password=set" in added.output and "default" in added.output
    tid = added.output.split()[0]
    assert stored_password(database_url, tid) == SECRET
    changed = trunks(database_url, "set", tid, "--cps", "4", "--password", SECRET + "x")
    assert changed.exit_code == 0 and "cps=4" in changed.output
    listed = trunks(database_url, "list", "--account", api.account)
    assert listed.exit_code == 0 and tid in listed.output
    for result in (added, changed, listed):
        assert SECRET not in result.output
    assert api.get(f"{TRUNKS}/{tid}").json()["data"]["cps"] == 4
    removed = trunks(database_url, "remove", tid)
    assert removed.exit_code == 0 and api.get(f"{TRUNKS}/{tid}").status_code == 404


def test_cli_refuses_what_the_api_refuses(api: Api, database_url: str) -> None:
    bad = trunks(database_url, "add", api.account, "--name", "X", "--uri", "sip:fixed@h")
    assert bad.exit_code == 2 and "{number}" in bad.output
    missing = trunks(database_url, "set", "tk-missing", "--cps", "2")
    assert missing.exit_code == 2 and "not found" in missing.output
    assert trunks(database_url, "flow", "cf-x").exit_code == 2, "--sip-uri or --clear"


def test_cli_sets_a_flows_sip_uri(api: Api, database_url: str) -> None:
    flow = flow_of(api)
    done = trunks(database_url, "flow", flow["_id"], "--sip-uri", "sip:bot@ivr")
    assert done.exit_code == 0 and "sip-uri=sip:bot@ivr" in done.output
    assert api.get(f"{FLOWS}/{flow['_id']}").json()["data"]["sipUri"] == "sip:bot@ivr"
    assert trunks(database_url, "flow", flow["_id"], "--clear").exit_code == 0
    assert api.get(f"{FLOWS}/{flow['_id']}").json()["data"]["sipUri"] is None
