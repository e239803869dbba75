"""API benchmark: `GET` a campaign by id against a bare Starlette handler returning a fixed
JSON document of the same size, served by the same uvicorn process in the same run, loaded
by wrk with 64 connections. Design budget: at least 25% of the bare handler's requests per
second, p99 under 50 ms."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import always_open_campaign, fresh_database
from outdial.apps.service import create_app as create_credentials
from outdial.campaign.schemas import CampaignBody
from outdial.campaign.service import CampaignService, prepare
from outdial.config import Settings
from outdial.contact_list.schemas import ContactListCreate
from outdial.contact_list.service import ContactListService
from outdial.kit.auth import Tenant, mint
from outdial.kit.db import make_async_engine, make_sessions

STREAM = "st-00000000-0000-4000-8000-0000000a9100"
DURATION_S = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(url: str) -> tuple[str, str]:
    """An app, two lists and a campaign; returns (token, campaign path)."""
    engine = make_async_engine(url)
    sessions = make_sessions(engine)
    try:
        async with sessions() as session:
            creds = await create_credentials(
                session, Settings(database_url=url), "a" * 24, [STREAM]
            )
        tenant = Tenant(creds.client_id, creds.account_id, STREAM)
        async with sessions() as session:
            lists = ContactListService(session, tenant, "US")
            await lists.create(ContactListCreate(name="People", description="bench"))
            await lists.create(
                ContactListCreate(name="Blocked", description="bench", listType="dnc")
            )
        async with sessions() as session:
            body = CampaignBody.model_validate(always_open_campaign(["People"], "Blocked"))
            view = await CampaignService(session, tenant).create(body, "v2")
        await prepare(sessions, view.row.id)
    finally:
        await engine.dispose()
    path = f"/campaign/api/v2/public/{STREAM}/campaign/{view.row.id}?accountId={creds.account_id}"
    return mint(creds.client_id, creds.client_secret), path


def _wrk(url: str, token: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{DURATION_S}s", "--latency", "-H", f"auth: {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p99Ms": float(p99.group(1)) * scale,
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


def _serve(url: str, port: int, document: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.api_server", url, str(port), str(document)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the benchmark server did not start")


def get_vs_bare(backend: str) -> dict[str, Any]:
    """Requests per second and p99 for both routes, and their ratio."""
    if shutil.which("wrk") is None:
        return {"backend": backend, "skipped": "wrk is not installed (apt-get install wrk)"}
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as tmp:
        token, path = asyncio.run(_seed(url))
        port = _free_port()
        server = _start_and_fetch(url, port, token, path, Path(tmp) / "campaign.json")
        try:
            get = _wrk(f"http://127.0.0.1:{port}{path}", token)
            bare = _wrk(f"http://127.0.0.1:{port}/bare", token)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "backend": backend,
        "getRps": round(get["rps"]),
        "bareRps": round(bare["rps"]),
        "ratio": round(get["rps"] / bare["rps"], 3),
        "getP99Ms": round(get["p99Ms"], 1),
        "bareP99Ms": round(bare["p99Ms"], 1),
        "non2xx": get["non2xx"] + bare["non2xx"],
    }


def _start_and_fetch(
    url: str, port: int, token: str, path: str, document: Path
) -> subprocess.Popen[bytes]:
    """Serve once to fetch the campaign's JSON (the bare route's document), then again with
    that document in place."""
    document.write_text("{}")
    server = _serve(url, port, document)
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}{path}", headers={"auth": token}, timeout=5)
        answer.raise_for_status()
        document.write_bytes(answer.content)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _serve(url, port, document)
