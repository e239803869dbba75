"""Import benchmarks, through a real server (`outdial serve` in a subprocess) and the CLI's
own streamed upload:

* 1,000,000 contact rows (half national formats, 2% repeated numbers, 1% invalid, two custom
  columns) into a call list: wall seconds, rows per second, peak memory (RSS of the server and
  its worker processes, summed) and CPU seconds they used; on PostgreSQL also the ratio to a
  plain `COPY` of the same file into an unindexed table, measured in the same run.
* 10,000,000 numbers into a DNC list (100,000 of them in the contact list), then the set-based
  checks against the 1,000,000 contacts: the campaign preview's DNC count, and starting a run
  (one dial task per contact, then one UPDATE excluding those on DNC lists).

`OUTDIAL_BENCH_IMPORT_ROWS` and `OUTDIAL_BENCH_DNC_ROWS` change the sizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.common import AREAS, PG_URL, always_open_campaign, fresh_database, numbers
from outdial.apps.service import create_app as create_credentials
from outdial.config import Settings
from outdial.contact_list.cli import upload
from outdial.kit.auth import mint
from outdial.kit.db import make_async_engine, make_sessions

ROWS = int(os.environ.get("OUTDIAL_BENCH_IMPORT_ROWS", "1000000"))
DNC_ROWS = int(os.environ.get("OUTDIAL_BENCH_DNC_ROWS", "10000000"))
STREAM = "st-00000000-0000-4000-8000-0000000a9200"
DNC_AREAS = ("201", "202", "203", "205", "207", "210", "214", "215", "216", "217")
TICK = os.sysconf("SC_CLK_TCK")
CL = "/campaign/contactList"
READY_WAIT_S = 900.0
BUDGET_S, BUDGET_MB = 60.0, 500


def contacts_file(path: Path, rows: int) -> None:
    """A realistic export: quoted E.164 and national numbers, repeats, junk, custom columns."""
    phones = numbers(rows)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["First Name", "Last Name", "Phone Number", "Unique ID", "Plan", "Branch"])
        for i, phone in enumerate(phones):
            if i % 100 == 99:
                phone = "555-01"  # refused: too short
            elif i % 50 == 49:
                phone = phones[i - 7]  # a repeat
            elif i % 2:
                phone = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"  # national format
            writer.writerow([f"First{i}", f"Last{i}", phone, f"u{i}", "gold", AREAS[i % 10]])


def dnc_numbers(count: int) -> Iterator[str]:
    for area in DNC_AREAS:
        for exchange in range(200, 1000):
            for line in range(10_000):
                if count <= 0:
                    return
                count -= 1
                yield f"+1{area}{exchange}{line:04d}"


def dnc_file(path: Path, rows: int, blocked: list[str]) -> None:
    """`rows` numbers: the given contacts' numbers, then numbers no contact has."""
    with path.open("w") as out:
        out.write("phoneNumber\n")
        out.writelines(f"{n}\n" for n in blocked)
        out.writelines(f"{n}\n" for n in dnc_numbers(rows - len(blocked)))


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {pid}, {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _sample(pid: int) -> tuple[int, float] | None:
    """(RSS bytes, CPU seconds of it and its reaped children), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    cpu = sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime
    return int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), cpu


@dataclass
class Monitor:
    """Peak summed RSS and CPU seconds of a process tree while a measurement runs. Pool
    workers are counted through their parent (the fork server) once it has reaped them."""

    root: int
    peak: int = 0
    start_cpu: dict[int, float] = field(default_factory=dict)
    end_cpu: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _tick(self) -> None:
        rss, seen, first = 0, {}, not self.end_cpu and not self.start_cpu
        for pid in _descendants(self.root):
            sample = _sample(pid)
            if sample is not None:
                rss += sample[0]
                seen[pid] = sample[1]
                # processes there at the start count from then, later ones from birth
                self.start_cpu.setdefault(pid, sample[1] if first else 0.0)
        self.end_cpu = seen
        self.peak = max(self.peak, rss)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._tick()

    @contextlib.contextmanager
    def watching(self) -> Iterator[Monitor]:
        self._tick()
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            time.sleep(0.5)  # let the fork server reap the pool's workers
            self._tick()

    @property
    def cpu(self) -> float:
        return sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.end_cpu.items())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _token(url: str) -> str:
    engine = make_async_engine(url)
    try:
        async with make_sessions(engine)() as session:
            creds = await create_credentials(
                session, Settings(database_url=url), "a" * 24, [STREAM], "bench"
            )
    finally:
        await engine.dispose()
    return mint(creds.client_id, creds.client_secret)


@contextlib.contextmanager
def serving(url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`outdial serve` (dialer off) on a free port; yields it and the stream's API base."""
    port = _free_port()
    env = {**os.environ, "OUTDIAL_DATABASE_URL": url, "OUTDIAL_PORT": str(port),
           "OUTDIAL_DIALER": "false", "OUTDIAL_LOG_LEVEL": "warning"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "outdial", "serve"], env=env)
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        yield process, f"http://127.0.0.1:{port}/campaign/api/v2/public/{STREAM}"
    finally:
        process.terminate()
        process.wait(60)


def _create_list(client: httpx.Client, name: str, kind: str) -> str:
    body = {"name": name, "description": "bench", "listType": kind}
    res = client.post(f"{CL}/createContactList", json=body)
    res.raise_for_status()
    return str(res.json()["data"]["_id"])


def _import(client: httpx.Client, root: int, list_id: str, path: Path) -> dict[str, Any]:
    """One measured upload through the CLI's streamed upload."""
    monitor = Monitor(root)
    with monitor.watching():
        start = time.perf_counter()
        res = upload(client, list_id, path, {})
        seconds = time.perf_counter() - start
    res.raise_for_status()
    job = res.json()["data"]
    return {
        "rows": job["totalRows"], "seconds": round(seconds, 1),
        "rowsPerSecond": round(job["totalRows"] / seconds), "imported": job["imported"],
        "duplicates": job["duplicates"], "invalid": job["invalid"],
        "peakRssMB": round(monitor.peak / 2**20), "cpuSeconds": round(monitor.cpu, 1),
    }  # fmt: skip


def copy_seconds(path: Path) -> float | None:
    """A plain PostgreSQL COPY of the file into a fresh table of text columns (the floor)."""
    url = make_url(PG_URL).set(drivername="postgresql")
    try:
        conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    except psycopg.Error:
        return None
    with conn, path.open("rb") as source:
        header = next(csv.reader([source.readline().decode()]))
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(f"CREATE TABLE bench_copy ({columns})")
        source.seek(0)
        start = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_copy")
    return seconds


def _checks(client: httpx.Client) -> dict[str, Any]:
    """Preview and run start of a campaign dialing the contacts, scrubbed by the DNC list."""
    res = client.post(
        "/campaign",
        params={"campaignType": "voice"},
        json=always_open_campaign(["People"], "Blocked"),
    )
    res.raise_for_status()
    campaign = res.json()["data"]["id"]
    start = time.perf_counter()
    while client.get(f"/campaign/{campaign}/status").json()["data"]["status"] != "Ready":
        if time.perf_counter() - start > READY_WAIT_S:
            return {"error": f"the campaign was not Ready after {READY_WAIT_S} s"}
        time.sleep(0.2)
    ready_s = time.perf_counter() - start
    start = time.perf_counter()
    preview = client.get(f"/campaign/{campaign}/preview")
    preview_s = time.perf_counter() - start
    preview.raise_for_status()
    data = preview.json()["data"]
    start = time.perf_counter()
    play = client.post(f"/campaign/trigger/{campaign}", params={"trigger": "play"}, json={})
    play_s = time.perf_counter() - start
    play.raise_for_status()
    return {
        "readySeconds": round(ready_s, 1), "previewSeconds": round(preview_s, 1),
        "toDial": data["toDial"], "dncExcluded": data["dncExcluded"],
        "runStartSeconds": round(play_s, 1),
    }  # fmt: skip


def _budget(row: dict[str, Any]) -> dict[str, Any]:
    """Whether a 1,000,000-row contact import kept to its budget (60 s, 500 MB)."""
    if row["bench"] == "import-contacts" and row["rows"] >= 1_000_000:
        row["withinBudget"] = row["seconds"] < BUDGET_S and row["peakRssMB"] < BUDGET_MB
    return row


def _ratio(row: dict[str, Any], copy_s: float | None) -> dict[str, Any]:
    if copy_s:
        row.update(copySeconds=round(copy_s, 1), ratioToCopy=round(row["seconds"] / copy_s, 1))
    return row


def imports(
    backend: str, files: dict[str, Path], copies: dict[str, float | None]
) -> list[dict[str, Any]]:
    """Both imports and the DNC checks on one backend, through one server."""
    rows: list[dict[str, Any]] = []
    with fresh_database(backend) as url:
        token = asyncio.run(_token(url))
        with (
            serving(url) as (process, base),
            httpx.Client(base_url=base, headers={"auth": token}, timeout=None) as client,
        ):
            people = _create_list(client, "People", "call")
            blocked = _create_list(client, "Blocked", "dnc")
            for name, list_id in (("contacts", people), ("dnc", blocked)):
                row = _import(client, process.pid, list_id, files[name])
                rows.append(_budget(_ratio({"bench": f"import-{name}", "backend": backend,
                                            **row}, copies[name])))  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
            rows.append({"bench": "dnc-checks", "backend": backend,
                         **_checks(client)})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    return rows


def run(backends: list[str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="outdial-bench-imports-") as tmp:
        files = {"contacts": Path(tmp) / "contacts.csv", "dnc": Path(tmp) / "dnc.csv"}
        contacts_file(files["contacts"], ROWS)
        dnc_file(files["dnc"], DNC_ROWS, numbers(min(ROWS, DNC_ROWS) // 10))
        copies = {name: copy_seconds(path) for name, path in files.items()}
        return [row for backend in backends for row in imports(backend, files, copies)]
