"""The `outdial` command line, driven in-process through typer's CliRunner against the test
database, plus the real console script in a subprocess.

Every credential the CLI prints is checked by using it: tokens authenticate API calls made
through a TestClient on the same database, and the printed curl line is replayed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from outdial.app import create_app
from outdial.cli import cli
from outdial.config import Settings
from outdial.kit.db import make_sync_engine
from outdial.models import Base
from tests.api import V2

ACCOUNT = "0123456789abcdef01234567"
STREAM_X = "st-x"
STREAM_Y = "st-y"
LISTS = "/campaign/contactList/getAllListDetails"
SECRET_32 = "s" * 32
AUTH_FAILURE = {"errors": [{"msg": "Invalid SDK credentials", "code": 4002}]}


@pytest.fixture
def db_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at the test database (already migrated, no apps)."""
    monkeypatch.setenv("OUTDIAL_DATABASE_URL", database_url)
    monkeypatch.delenv("OUTDIAL_PUBLIC_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "300")
    return database_url


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = run(*args, env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def create_json(*streams: str, account: str = ACCOUNT, name: str = "N") -> dict[str, Any]:
    args = ["apps", "create", "--account", account, "--name", name, "--json"]
    for stream in streams:
        args += ["--stream", stream]
    return dict(json.loads(ok(*args)))


def token_for(client_id: str, secret: str) -> str:
    return ok("token", "--client-id", client_id, "--client-secret", secret).strip()


def app_count(database_url: str) -> int:
    engine = make_sync_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM apps")).scalar_one())
    finally:
        engine.dispose()


def list_lists(client: TestClient, token: str, stream: str, account: str) -> Any:
    return client.get(
        V2.format(stream=stream) + LISTS, params={"accountId": account}, headers={"auth": token}
    )


@pytest.fixture
def client(db_env: str) -> Any:
    """The service on the CLI's database."""
    with TestClient(create_app(Settings(database_url=db_env, auth_cache_seconds=0))) as test_client:
        yield test_client


# --- apps create ---


def test_create_json_prints_exactly_the_credentials(db_env: str) -> None:
    creds = create_json(STREAM_X, STREAM_Y)
    assert set(creds) == {"clientId", "clientSecret", "accountId", "streams"}
    assert creds["clientId"].startswith("cs-")
    assert str(uuid.UUID(creds["clientId"].removeprefix("cs-"))) == creds["clientId"][3:]
    assert creds["accountId"] == ACCOUNT
    assert creds["streams"] == [STREAM_X, STREAM_Y]
    assert isinstance(creds["clientSecret"], str) and len(creds["clientSecret"]) >= 32
    assert app_count(db_env) == 1


def test_create_json_output_is_one_json_document(db_env: str) -> None:
    output = ok("apps", "create", "--account", ACCOUNT, "--stream", STREAM_X, "--json")
    assert output.endswith("\n") and output.count("\n") == 1
    assert json.loads(output)["streams"] == [STREAM_X]


def test_create_deduplicates_repeated_streams(db_env: str) -> None:
    assert create_json(STREAM_X, STREAM_X, STREAM_Y)["streams"] == [STREAM_X, STREAM_Y]


def test_created_app_authenticates_on_its_streams_only(client: TestClient) -> None:
    creds = create_json(STREAM_X, STREAM_Y)
    token = token_for(creds["clientId"], creds["clientSecret"])
    for stream in (STREAM_X, STREAM_Y):
        res = list_lists(client, token, stream, ACCOUNT)
        assert res.status_code == 200, res.text
    res = list_lists(client, token, "st-z", ACCOUNT)
    assert res.status_code == 401
    assert res.json() == AUTH_FAILURE


@pytest.mark.parametrize(
    ("account", "stream", "message"),
    [
        ("A" * 24, STREAM_X, "account id must be 24 lowercase hex digits"),
        ("a" * 23, STREAM_X, "account id must be 24 lowercase hex digits"),
        ("g" * 24, STREAM_X, "account id must be 24 lowercase hex digits"),
        ("", STREAM_X, "account id must be 24 lowercase hex digits"),
        (ACCOUNT, "x", "stream id 'x' must look like st-<id>"),
        (ACCOUNT, "st-", "stream id 'st-' must look like st-<id>"),
        (ACCOUNT, "st-" + "a" * 62, "must look like st-<id>"),
    ],
)
def test_create_refuses_invalid_account_or_stream(
    db_env: str, account: str, stream: str, message: str
) -> None:
    result = run("apps", "create", "--account", account, "--stream", stream, "--json")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert app_count(db_env) == 0


def test_create_without_a_stream_is_a_usage_error(db_env: str) -> None:
    result = run("apps", "create", "--account", ACCOUNT)
    assert result.exit_code != 0
    assert "--stream" in result.output
    assert app_count(db_env) == 0


def test_create_without_json_prints_working_credentials(client: TestClient) -> None:
    output = ok("apps", "create", "--account", ACCOUNT, "--stream", STREAM_X, "--name", "Ops")
    printed = parse_credentials(output)
    assert printed["account id"] == ACCOUNT
    assert printed["stream id"] == STREAM_X
    assert_curl_works(client, output, printed)


# --- token ---


def test_token_is_kores_hs256_jwt(db_env: str) -> None:
    creds = create_json(STREAM_X)
    token = token_for(creds["clientId"], creds["clientSecret"])
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, creds["clientSecret"], algorithms=["HS256"])
    assert claims == {"sub": "outdial", "appId": creds["clientId"]}


def test_token_subject_option(db_env: str) -> None:
    args = ["token", "--client-id", "cs-1", "--client-secret", SECRET_32, "--subject", "me"]
    token = ok(*args).strip()
    assert jwt.decode(token, SECRET_32, algorithms=["HS256"]) == {"sub": "me", "appId": "cs-1"}


def test_token_authenticates_an_api_call(client: TestClient) -> None:
    creds = create_json(STREAM_X)
    token = token_for(creds["clientId"], creds["clientSecret"])
    res = list_lists(client, token, STREAM_X, ACCOUNT)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "success"
    wrong = token_for(creds["clientId"], creds["clientSecret"] + "x")
    res = list_lists(client, wrong, STREAM_X, ACCOUNT)
    assert res.status_code == 401
    assert res.json() == AUTH_FAILURE


# --- apps list ---


def test_list_shows_the_app_and_never_the_secret(db_env: str) -> None:
    creds = create_json(STREAM_X, STREAM_Y, name="Billing bot")
    output = ok("apps", "list")
    for shown in (creds["clientId"], ACCOUNT, STREAM_X, STREAM_Y, "Billing bot"):
        assert shown in output
    assert creds["clientSecret"] not in output


def test_list_shows_full_client_ids_in_an_80_column_terminal(db_env: str) -> None:
    """The client id is what `rotate-secret` and `token` need: it must not be cut off."""
    creds = create_json(STREAM_X)
    output = ok("apps", "list", env={"COLUMNS": "80"})
    assert creds["clientId"] in output, output
    assert creds["clientSecret"] not in output


def test_list_with_no_apps(db_env: str) -> None:
    assert "cs-" not in ok("apps", "list")


# --- apps rotate-secret ---


def test_rotate_secret_replaces_the_secret(client: TestClient) -> None:
    creds = create_json(STREAM_X)
    old_token = token_for(creds["clientId"], creds["clientSecret"])
    assert list_lists(client, old_token, STREAM_X, ACCOUNT).status_code == 200

    output = ok("apps", "rotate-secret", creds["clientId"])
    match = re.search(rf"new client secret for {re.escape(creds['clientId'])}: (\S+)", output)
    assert match, output
    new_secret = match.group(1)
    assert new_secret != creds["clientSecret"]

    res = list_lists(client, old_token, STREAM_X, ACCOUNT)
    assert res.status_code == 401
    assert res.json() == AUTH_FAILURE
    new_token = token_for(creds["clientId"], new_secret)
    res = list_lists(client, new_token, STREAM_X, ACCOUNT)
    assert res.status_code == 200, res.text

    listed = ok("apps", "list")
    assert creds["clientId"] in listed
    assert new_secret not in listed and creds["clientSecret"] not in listed


def test_rotate_secret_of_an_unknown_app_fails_clearly(db_env: str) -> None:
    result = run("apps", "rotate-secret", "cs-00000000-0000-4000-8000-000000000000")
    assert result.exit_code != 0
    assert "No app with client id cs-00000000-0000-4000-8000-000000000000" in result.output


# --- apps bootstrap ---

CURL = re.compile(r"curl -s -H 'auth: (?P<token>[^']+)' '(?P<url>[^']+)'")
LABELS = ("client id", "client secret", "account id", "stream id", "JWT")


def parse_credentials(output: str) -> dict[str, str]:
    """The `label: value` lines `_print_credentials` writes."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        label, sep, value = line.strip().partition(":")
        if sep and label in LABELS:
            found[label] = value.strip()
    assert set(found) == set(LABELS), output
    return found


def assert_curl_works(client: TestClient, output: str, printed: dict[str, str]) -> None:
    """Replay the printed curl line through the TestClient."""
    match = CURL.search(output)
    assert match, output
    token, url = match.group("token"), urlsplit(match.group("url"))
    assert token == printed["JWT"]
    claims = jwt.decode(token, printed["client secret"], algorithms=["HS256"])
    assert claims == {"sub": "outdial", "appId": printed["client id"]}
    assert url.path == V2.format(stream=printed["stream id"]) + LISTS
    assert url.query == f"accountId={printed['account id']}"
    res = client.get(f"{url.path}?{url.query}", headers={"auth": token})
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "success"


def test_bootstrap_creates_a_first_app_whose_curl_line_works(client: TestClient) -> None:
    output = ok("apps", "bootstrap")
    printed = parse_credentials(output)
    assert re.fullmatch(r"cs-[0-9a-f-]{36}", printed["client id"])
    assert re.fullmatch(r"[0-9a-f]{24}", printed["account id"])
    assert re.fullmatch(r"st-[0-9a-f-]{36}", printed["stream id"])
    assert_curl_works(client, output, printed)
    match = CURL.search(output)
    assert match is not None
    assert urlsplit(match.group("url")).netloc == "127.0.0.1:8080"
    dashboard = re.search(r"dashboard: (\S+)", output)
    assert dashboard is not None and dashboard.group(1) == "http://127.0.0.1:8080/ui"
    assert client.get("/ui/signin").status_code == 200


def test_bootstrap_curl_uses_the_public_url(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTDIAL_PUBLIC_URL", "https://dial.example.com/")
    output = ok("apps", "bootstrap")
    match = CURL.search(output)
    assert match, output
    assert match.group("url").startswith("https://dial.example.com/campaign/api/v2/public/st-")
    assert_curl_works(client, output, parse_credentials(output))


def test_bootstrap_does_nothing_when_an_app_exists(db_env: str) -> None:
    ok("apps", "bootstrap")
    assert app_count(db_env) == 1
    again = ok("apps", "bootstrap")
    assert "apps exist already" in again
    assert "client secret" not in again
    assert app_count(db_env) == 1


def test_bootstrap_after_apps_create_does_nothing(db_env: str) -> None:
    create_json(STREAM_X)
    output = ok("apps", "bootstrap")
    assert "apps exist already" in output
    assert app_count(db_env) == 1


# --- db upgrade ---


def _tables(url: str) -> set[str]:
    engine = make_sync_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_schema_in_a_fresh_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nested" / "dir" / "fresh.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("OUTDIAL_DATABASE_URL", url)
    output = ok("db", "upgrade")
    assert "latest schema" in output
    assert path.is_file()
    assert _tables(url) == set(Base.metadata.tables) | {"alembic_version"}
    ok("db", "upgrade")  # a second run is a no-op
    assert _tables(url) == set(Base.metadata.tables) | {"alembic_version"}


def test_db_upgrade_then_apps_work_on_the_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("OUTDIAL_DATABASE_URL", url)
    ok("db", "upgrade")
    creds = create_json(STREAM_X)
    token = token_for(creds["clientId"], creds["clientSecret"])
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert list_lists(client, token, STREAM_X, ACCOUNT).status_code == 200


# --- the installed entry points ---


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).with_name("outdial")), "--help"],
        [sys.executable, "-m", "outdial", "--help"],
    ],
    ids=["console-script", "python-m"],
)
def test_entry_points_print_help(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for name in ("serve", "db", "apps", "token"):
        assert name in done.stdout
