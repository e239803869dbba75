"""Imports against a real HTTP server: the `outdial contacts` CLI, uploads that stream slowly
(progress while running, a second import of the same list refused), a connection lost
mid-upload, and, on PostgreSQL, a server killed with SIGKILL mid-import. In every failure the
list keeps exactly the contents it had.

The server is uvicorn serving `create_app(settings)` in a thread (a subprocess for the kill
test); slow uploads are written by hand on a socket so the test decides when bytes arrive.
Waits poll for a state and fail after a generous deadline; nothing asserts on durations.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from outdial.app import create_app
from outdial.apps.service import Credentials
from outdial.cli import cli
from outdial.config import Settings
from outdial.kit.auth import mint
from outdial.kit.db import make_sync_engine
from outdial.models import Contact, ImportJob
from tests.conftest import BACKEND
from tests.waiting import wait_for

CL = "/campaign/contactList"
DEADLINE_S = 120.0


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+1415{555 + i // 10_000}{i % 10_000:04d}" for i in range(start, start + count)]


def csv_body(count: int, start: int = 0) -> bytes:
    return ("phoneNumber,uniqueId\n" + "".join(
        f"{n},u{i}\n" for i, n in enumerate(numbers(count, start), start)
    )).encode()  # fmt: skip


@dataclass
class Server:
    """A running server and a client for one stream's API base."""

    host: str
    port: int
    creds: Credentials

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}/campaign/api/v2/public/{self.creds.streams[0]}"

    @property
    def token(self) -> str:
        return mint(self.creds.client_id, self.creds.client_secret)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"auth": self.token}, timeout=60)

    def create_list(self, name: str, **extra: Any) -> str:
        with self.client() as client:
            body = {"name": name, "description": name, **extra}
            res = client.post(f"{CL}/createContactList", json=body)
            assert res.status_code == 200, res.text
            return str(res.json()["data"]["_id"])

    def get(self, path: str) -> dict[str, Any]:
        with self.client() as client:
            res = client.get(path)
            assert res.status_code == 200, res.text
            return dict(res.json()["data"])


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def server(settings: Settings, creds: Credentials) -> Iterator[Server]:
    """uvicorn in a thread on a free port, dialer off."""
    app = create_app(settings.model_copy(update={"dialer": False}))
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    sock = _free_socket()
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: running.started, "the server to start", DEADLINE_S)
    yield Server("127.0.0.1", sock.getsockname()[1], creds)
    running.should_exit = True
    thread.join(30)
    sock.close()


class SlowUpload:
    """A POST whose body the test writes piece by piece on a raw socket."""

    def __init__(self, server: Server, list_id: str, body: bytes) -> None:
        self.sock = socket.create_connection((server.host, server.port))
        self.body = body
        self.sent = 0
        head = (
            f"POST /campaign/api/v2/public/{server.creds.streams[0]}{CL}/{list_id}/import "
            f"HTTP/1.1\r\nHost: {server.host}\r\nauth: {server.token}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode())

    def send(self, upto: int | None = None) -> None:
        end = len(self.body) if upto is None else upto
        self.sock.sendall(self.body[self.sent : end])
        self.sent = end

    def answer(self) -> tuple[int, dict[str, Any]]:
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)

    def close(self) -> None:
        self.sock.close()


def stored(url: str, list_id: str) -> list[tuple[str, str | None]]:
    engine = make_sync_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(Contact.phone_number, Contact.unique_id)
                .where(Contact.list_id == list_id)
                .order_by(Contact.id)
            )
            return [(phone, uid) for phone, uid in rows]
    finally:
        engine.dispose()


def jobs(url: str, list_id: str) -> list[tuple[str, str, int]]:
    """(id, status, total rows) of the list's imports, oldest first."""
    engine = make_sync_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(ImportJob.id, ImportJob.status, ImportJob.total_rows)
                .where(ImportJob.list_id == list_id)
                .order_by(ImportJob.started_at)
            )
            return [(i, s, n) for i, s, n in rows]
    finally:
        engine.dispose()


def running_with_rows(url: str, list_id: str) -> str | None:
    """The id of the list's running import once it has counted rows."""
    return next((i for i, status, n in jobs(url, list_id) if status == "running" and n), None)


def seeded(server: Server, name: str) -> str:
    """A list holding three contacts already."""
    list_id = server.create_list(name)
    with server.client() as client:
        res = client.post(f"{CL}/{list_id}/import", content=csv_body(3, 90_000))
        assert res.status_code == 200, res.text
    return list_id


# --- the CLI ---


def run_cli(server: Server, *args: str) -> Result:
    env = {"OUTDIAL_URL": server.base, "OUTDIAL_TOKEN": server.token, "COLUMNS": "200"}
    return CliRunner().invoke(cli, ["contacts", *args], env=env)


def test_cli_import_prints_the_counts_and_saves_refused_rows(
    server: Server, tmp_path: Path, database_url: str
) -> None:
    list_id = server.create_list("People")
    source = tmp_path / "people.csv"
    source.write_text("Phone,Name\n+14155550123,Ada\n12,Bob\n+14155550123,Ada again\n")
    errors = tmp_path / "refused.csv"
    result = run_cli(server, "import", str(source), "--list", "people", "--map",
                     "phoneNumber=Phone", "--errors-out", str(errors))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "imported 1 of 3 rows" in result.output
    assert "1 duplicates skipped, 1 refused" in result.output
    assert errors.read_text().splitlines() == [
        "line,field,reason",
        "3,phoneNumber,'12' is too short",
    ]
    assert stored(database_url, list_id) == [("+14155550123", None)]
    job = server.get(f"{CL}/{list_id}/imports/{jobs(database_url, list_id)[0][0]}")
    assert job["fileName"] == "people.csv"


def test_cli_export_then_import_round_trips(
    server: Server, tmp_path: Path, database_url: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text('phoneNumber,firstName,plan\n+14155550123,"Ada, C.",gold\n+14155550124,,\n')
    server.create_list("First")
    assert run_cli(server, "import", str(source), "--list", "First").exit_code == 0
    first = tmp_path / "first.csv"
    result = run_cli(server, "export", "--list", "First", "--out", str(first))
    assert result.exit_code == 0, result.output
    server.create_list("Second")
    assert run_cli(server, "import", str(first), "--list", "Second").exit_code == 0
    result = run_cli(server, "export", "--list", "Second")
    assert result.exit_code == 0
    assert result.stdout == first.read_text()
    assert first.read_text().splitlines()[1].startswith('"Ada, C.","","+14155550123"')


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{file}", "--list", "Nope"], "no list named 'Nope'"),
        (["import", "{bad}", "--list", "People"], "import refused: the file has no phoneNumber"),
        (["import", "{file}", "--list", "People", "--map", "phoneNumber"], "FIELD=COLUMN"),
        (["export", "--list", "Nope"], "no list named 'Nope'"),
    ],
)
def test_cli_failures_say_why(
    server: Server, tmp_path: Path, args: list[str], message: str
) -> None:
    server.create_list("People")
    (tmp_path / "ok.csv").write_text("phoneNumber\n+14155550123\n")
    (tmp_path / "bad.csv").write_text("name,city\nAda,Paris\n")
    paths = {"file": str(tmp_path / "ok.csv"), "bad": str(tmp_path / "bad.csv")}
    result = run_cli(server, *[a.format(**paths) for a in args])
    assert result.exit_code == 1
    assert message in result.output


def test_cli_needs_a_url_and_token(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("phoneNumber\n+14155550123\n")
    result = CliRunner().invoke(
        cli, ["contacts", "import", str(tmp_path / "ok.csv"), "--list", "x"], env={}
    )
    assert result.exit_code == 1
    assert "OUTDIAL_URL" in result.output


# --- slow uploads: progress, one import at a time ---


def test_progress_while_running_and_a_second_import_is_refused(
    server: Server, database_url: str
) -> None:
    list_id = seeded(server, "People")
    body = csv_body(80_000)
    upload = SlowUpload(server, list_id, body)
    try:
        upload.send(len(body) * 3 // 4)
        job_id = wait_for(
            lambda: running_with_rows(database_url, list_id),
            "rows to be counted while the upload runs",
            DEADLINE_S,
        )
        running = server.get(f"{CL}/{list_id}/imports/{job_id}")
        assert running["status"] == "running" and running["totalRows"] > 0
        assert running["finishedAt"] is None
        assert server.get(f"{CL}/{list_id}")["status"] == "Validating"
        with server.client() as client:
            second = client.post(f"{CL}/{list_id}/import", content=csv_body(2, 80_000))
        assert second.status_code == 409, second.text
        assert job_id in second.json()["errors"][0]["msg"]
        assert len(stored(database_url, list_id)) == 3
        upload.send()
        status, answer = upload.answer()
    finally:
        upload.close()
    assert status == 200, answer
    assert answer["data"]["imported"] == 80_000
    assert len(stored(database_url, list_id)) == 80_003
    listed = server.get(f"{CL}/{list_id}")
    assert (listed["status"], listed["totalRecordCount"]) == ("Validated", 80_003)


def test_a_connection_lost_mid_upload_leaves_the_list_as_it_was(
    server: Server, database_url: str
) -> None:
    list_id = seeded(server, "People")
    before = stored(database_url, list_id)
    body = csv_body(80_000)
    upload = SlowUpload(server, list_id, body)
    upload.send(len(body) - 1000)
    wait_for(lambda: running_with_rows(database_url, list_id), "rows to be staged", DEADLINE_S)
    upload.close()
    job_id = wait_for(
        lambda: next((j[0] for j in jobs(database_url, list_id) if j[1] == "failed"), None),
        "the import to fail",
        DEADLINE_S,
    )
    job = server.get(f"{CL}/{list_id}/imports/{job_id}")
    assert job["error"] == "the upload was interrupted before the end of the file"
    assert stored(database_url, list_id) == before
    listed = server.get(f"{CL}/{list_id}")
    assert (listed["status"], listed["totalRecordCount"]) == ("Invalid", 3)


# --- a server killed mid-import (PostgreSQL: several processes share the database) ---


@pytest.mark.postgres_only
@pytest.mark.skipif(BACKEND != "postgresql", reason="a killed server's import is detected "
                    "at once only on PostgreSQL (SQLite waits for a stale heartbeat)")  # fmt: skip
def test_a_server_killed_mid_import_leaves_the_list_as_it_was(
    database_url: str, creds: Credentials
) -> None:
    first = spawn_server(database_url, creds)
    try:
        list_id = seeded(first.server, "People")
        before = stored(database_url, list_id)
        body = csv_body(80_000)
        upload = SlowUpload(first.server, list_id, body)
        upload.send(len(body) - 1000)
        wait_for(lambda: running_with_rows(database_url, list_id), "rows to be staged", DEADLINE_S)
        helpers = descendants(first.process.pid)
        assert helpers, "the import's worker processes"
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(30)
        upload.close()
        wait_for(lambda: not any(map(alive, helpers)), "the workers to follow", DEADLINE_S)
    finally:
        first.stop()
    job_id = jobs(database_url, list_id)[-1][0]
    assert jobs(database_url, list_id)[-1][1] == "running"  # nobody has looked yet
    assert stored(database_url, list_id) == before
    second = spawn_server(database_url, creds)
    try:
        job = second.server.get(f"{CL}/{list_id}/imports/{job_id}")
        assert job["status"] == "failed" and "interrupted" in job["error"]
        listed = second.server.get(f"{CL}/{list_id}")
        assert (listed["status"], listed["totalRecordCount"]) == ("Invalid", 3)
        assert stored(database_url, list_id) == before
        with second.server.client() as client:
            res = client.post(f"{CL}/{list_id}/import", content=csv_body(5, 70_000))
        assert res.status_code == 200, res.text
        assert len(stored(database_url, list_id)) == 8
    finally:
        second.stop()


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (the fork server and the import's workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Spawned:
    process: subprocess.Popen[bytes]
    server: Server

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def spawn_server(url: str, creds: Credentials) -> Spawned:
    """`outdial serve` in its own process on a free port."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "OUTDIAL_DATABASE_URL": url, "OUTDIAL_PORT": str(port),
           "OUTDIAL_DIALER": "false", "OUTDIAL_LOG_LEVEL": "warning"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "outdial", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    spawned = Spawned(process, Server("127.0.0.1", port, creds))

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    wait_for(up, "the server to answer", DEADLINE_S)
    assert process.poll() is None, "the server exited"
    return spawned
