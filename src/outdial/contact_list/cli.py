"""`outdial contacts import | export`: CSV files in and out of lists, through the HTTP API.

Both speak to a running server (`--url`, the stream's API base as the README's tour sets
`$API`, e.g. `http://127.0.0.1:8080/campaign/api/v2/public/st-...`, and `--token`, a JWT; or
`OUTDIAL_URL` / `OUTDIAL_TOKEN`), so they work the same against a remote deployment and go
through the same validation as any client. Lists are named, as in addContacts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

CHUNK = 1 << 20
LISTS = "/campaign/contactList/getAllListDetails"
contacts_cli = typer.Typer(help="Contacts: import CSV files into lists, export lists as CSV.")
console = Console(stderr=True, soft_wrap=True)

UrlOption = Annotated[
    str,
    typer.Option(
        envvar="OUTDIAL_URL",
        help="API base of the stream, e.g. http://127.0.0.1:8080/campaign/api/v2/public/st-...",
    ),
]
TokenOption = Annotated[str, typer.Option(envvar="OUTDIAL_TOKEN", help="JWT for the auth header")]
ListOption = Annotated[str, typer.Option("--list", help="The list's name")]


class CliError(Exception):
    """A failure to report on one line and exit with status 1."""


def _errors(res: httpx.Response) -> str:
    """The messages of an error answer (Kore's envelope), or its text."""
    try:
        items = res.json().get("errors", [])
        return "; ".join(str(item.get("msg")) for item in items) or res.text
    except (ValueError, AttributeError):
        return res.text or f"HTTP {res.status_code}"


def _client(url: str, token: str) -> httpx.Client:
    if not url or not token:
        raise CliError("give --url and --token (or set OUTDIAL_URL and OUTDIAL_TOKEN)")
    return httpx.Client(base_url=url.rstrip("/"), headers={"auth": token}, timeout=None)


def find_list(client: httpx.Client, name: str) -> dict[str, Any]:
    """The list named `name` (ignoring case, as list names are unique that way)."""
    res = client.get(LISTS)
    if res.status_code != 200:
        raise CliError(f"cannot read the lists: {_errors(res)}")
    for item in res.json()["data"]:
        if str(item["name"]).lower() == name.lower():
            return dict(item)
    raise CliError(f"there is no list named {name!r} (create it first)")


def _chunks(stream: BinaryIO, progress: Progress, task: Any) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        progress.advance(task, len(chunk))
        yield chunk


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def upload(
    client: httpx.Client, list_id: str, path: Path, params: dict[str, str]
) -> httpx.Response:
    """POST the file as it is read, with a progress bar over its bytes."""
    with path.open("rb") as stream, _bar() as progress:
        task = progress.add_task(f"importing {path.name}", total=path.stat().st_size)
        return client.post(
            f"/campaign/contactList/{list_id}/import",
            params={"fileName": path.name, **params},
            content=_chunks(stream, progress, task),
            headers={"Content-Type": "text/csv"},
        )


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise CliError(f"--map takes FIELD=COLUMN (e.g. phoneNumber=Mobile), not {pair!r}")
        mapping[field] = column
    return mapping


def _save_errors(client: httpx.Client, list_id: str, job_id: str, out: Path) -> None:
    path = f"/campaign/contactList/{list_id}/imports/{job_id}/errors"
    with client.stream("GET", path, params={"format": "csv"}) as res, out.open("wb") as file:
        for chunk in res.iter_bytes():
            file.write(chunk)
    console.print(f"refused rows written to {out}")


def _report(job: dict[str, Any]) -> None:
    console.print(
        f"[bold green]imported[/bold green] {job['imported']} of {job['totalRows']} rows "
        f"into the list ({job['duplicates']} duplicates skipped, {job['invalid']} refused); "
        f"import {job['id']}"
    )


def _run(work: Any) -> None:
    try:
        work()
    except CliError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/red] cannot reach the server: {exc}")
        raise typer.Exit(1) from exc


@contacts_cli.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV file", exists=True, dir_okay=False)],
    list_name: ListOption,
    url: UrlOption = "",
    token: TokenOption = "",
    region: Annotated[str | None, typer.Option(help="Region for national numbers")] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN, e.g. phoneNumber=Mobile")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="',' or ';' (default: guessed)")] = None,
    errors_out: Annotated[Path | None, typer.Option(help="Write refused rows here (CSV)")] = None,
) -> None:
    """Upload a CSV file into a list (streamed, with a progress bar) and print the counts."""

    def work() -> None:
        params = {"defaultRegion": region, "delimiter": delimiter}
        query = {k: v for k, v in params.items() if v}
        if map_:
            query["mapping"] = json.dumps(_mapping(map_))
        with _client(url, token) as client:
            target = find_list(client, list_name)
            res = upload(client, target["_id"], file, query)
            if res.status_code != 200:
                raise CliError(f"import refused: {_errors(res)}")
            job = res.json()["data"]
            _report(job)
            if errors_out is not None and job["invalid"]:
                _save_errors(client, target["_id"], job["id"], errors_out)

    _run(work)


@contacts_cli.command("export")
def export_list(
    list_name: ListOption,
    url: UrlOption = "",
    token: TokenOption = "",
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output)")
    ] = None,
) -> None:
    """Write a list as CSV, in the format `contacts import` reads."""

    def work() -> None:
        with _client(url, token) as client:
            target = find_list(client, list_name)
            path = f"/campaign/contactList/{target['_id']}/export"
            with client.stream("GET", path) as res:
                if res.status_code != 200:
                    res.read()
                    raise CliError(f"export refused: {_errors(res)}")
                sink: BinaryIO = out.open("wb") if out else sys.stdout.buffer
                try:
                    for chunk in res.iter_bytes():
                        sink.write(chunk)
                finally:
                    sink.flush()
                    if out:
                        sink.close()
        if out:
            console.print(f"{target['totalRecordCount']} contacts written to {out}")

    _run(work)
