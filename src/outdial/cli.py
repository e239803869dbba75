"""The `outdial` command line (typer): serve, migrate, manage apps, mint tokens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from outdial import migrations
from outdial.app import create_app, run_worker
from outdial.apps import service as apps
from outdial.config import Settings
from outdial.contact_list.cli import contacts_cli
from outdial.kit.auth import mint
from outdial.kit.db import in_one_session
from outdial.kit.errors import ApiError
from outdial.kit.logging import configure
from outdial.simulation.scenario import Scenario
from outdial.simulation.simulate import simulate as run_simulation
from outdial.trunk.cli import trunks_cli

T = TypeVar("T")
cli = typer.Typer(help="outdial: outbound voice campaigns with a Kore-compatible API.")
db_cli = typer.Typer(help="Database schema.")
apps_cli = typer.Typer(help="JWT apps: client ids, secrets, accounts and streams.")
cli.add_typer(db_cli, name="db")
cli.add_typer(apps_cli, name="apps")
accounts_cli = typer.Typer(help="Accounts: their lines and calls-per-second limits.")
cli.add_typer(accounts_cli, name="accounts")
cli.add_typer(contacts_cli, name="contacts")
cli.add_typer(trunks_cli, name="trunks")
console = Console(soft_wrap=True)  # ids, tokens and curl lines must stay copyable


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one session against the configured database."""

    try:
        return asyncio.run(in_one_session(settings.database_url, work))
    except ApiError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (OUTDIAL_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (OUTDIAL_PORT)")] = None,
) -> None:
    """Serve the API (and run the dialer) until interrupted."""
    settings = Settings()
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=updates)
    configure(settings.log_level, settings.log_json)
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level
    )


@cli.command()
def worker() -> None:
    """Run only the dialing engine (no HTTP); start several against one PostgreSQL."""
    settings = Settings()
    configure(settings.log_level, settings.log_json)
    asyncio.run(run_worker(settings))


@cli.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="SCENARIO.json", exists=True, dir_okay=False)],
    attempts_out: Annotated[
        Path | None, typer.Option(help="Write one JSON line per attempt here")
    ] = None,
) -> None:
    """Run a whole campaign in virtual time on a temporary database; print a JSON report."""
    configure("warning", False)
    try:
        parsed = Scenario.model_validate_json(scenario.read_text(encoding="utf-8"))
    except ValidationError as exc:
        console.print(f"[red]invalid scenario:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        report = asyncio.run(run_simulation(parsed, attempts_out))
    except ApiError as exc:
        console.print(f"[red]invalid scenario:[/red] {'; '.join(i.msg for i in exc.items)}")
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(report, indent=2))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the SQLite file if needed)."""
    settings = Settings()
    migrations.upgrade(settings.database_url)
    console.print("database is at the latest schema")


@apps_cli.command("create")
def apps_create(
    account: Annotated[str, typer.Option(help="24-hex account id")],
    stream: Annotated[list[str], typer.Option(help="Stream id st-...; repeat for several")],
    name: Annotated[str, typer.Option(help="A label for the app")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only")] = False,
) -> None:
    """Register an app; its client secret is printed this once."""
    settings = Settings()
    creds = _with_session(settings, lambda s: apps.create_app(s, settings, account, stream, name))
    if as_json:
        typer.echo(json.dumps(creds.as_json()))
        return
    _print_credentials(creds, settings)


@apps_cli.command("list")
def apps_list() -> None:
    """Every app with its account and streams (secrets are never shown again)."""
    rows = _with_session(Settings(), apps.list_apps)
    for app in rows:
        streams = ",".join(s.stream_id for s in app.streams)
        created = app.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(
            f"{app.id}  account={app.account_id}  streams={streams}  created={created}  {app.name}"
        )


@apps_cli.command("rotate-secret")
def apps_rotate(
    client_id: Annotated[str, typer.Argument(help="The app's client id (cs-...)")],
) -> None:
    """Replace an app's secret; tokens signed with the old one stop working."""
    creds = _with_session(Settings(), lambda s: apps.rotate_secret(s, client_id))
    console.print(f"new client secret for {creds.client_id}: [bold]{creds.client_secret}[/bold]")


@apps_cli.command("bootstrap")
def apps_bootstrap() -> None:
    """Create a first app with a new account and stream, unless an app exists."""
    settings = Settings()
    creds = _with_session(settings, lambda s: apps.bootstrap(s, settings))
    if creds is None:
        console.print("apps exist already: see `outdial apps list` (secrets are shown once)")
        return
    _print_credentials(creds, settings)


def _print_credentials(creds: apps.Credentials, settings: Settings) -> None:
    token = mint(creds.client_id, creds.client_secret)
    stream = creds.streams[0]
    url = (
        f"{settings.base_url()}/campaign/api/v2/public/{stream}/campaign/contactList/"
        f"getAllListDetails?accountId={creds.account_id}"
    )
    console.print("[bold green]app created[/bold green] (keep the secret: it is shown once)")
    console.print(f"  client id:     {creds.client_id}")
    console.print(f"  client secret: {creds.client_secret}")
    console.print(f"  account id:    {creds.account_id}")
    console.print(f"  stream id:     {', '.join(creds.streams)}")
    console.print(f"  JWT:           {token}", soft_wrap=True)
    console.print("try it:", style="bold")
    console.print(f"  curl -s -H 'auth: {token}' '{url}'", soft_wrap=True)
    console.print(f"dashboard: {settings.base_url()}/ui (sign in with the client id and secret)")


@accounts_cli.command("list")
def accounts_list() -> None:
    """Every account with its line and rate limits."""
    for account in _with_session(Settings(), apps.list_accounts):
        typer.echo(f"{account.id}  lines={account.lines}  cps={account.cps:g}")


@accounts_cli.command("set")
def accounts_set(
    account: Annotated[str, typer.Argument(help="24-hex account id")],
    lines: Annotated[int | None, typer.Option(help="Concurrent calls allowed")] = None,
    cps: Annotated[float | None, typer.Option(help="Calls started per second allowed")] = None,
) -> None:
    """Change an account's lines and calls per second (the dialer follows at once)."""
    row = _with_session(Settings(), lambda s: apps.set_limits(s, account, lines, cps))
    typer.echo(f"{row.id}  lines={row.lines}  cps={row.cps:g}")


@cli.command()
def token(
    client_id: Annotated[str, typer.Option(help="The app's client id (cs-...)")],
    client_secret: Annotated[str, typer.Option(help="The app's client secret")],
    subject: Annotated[str, typer.Option(help="The `sub` claim")] = "outdial",
) -> None:
    """Print a JWT as Kore documents it: HS256, {"sub": ..., "appId": ...}."""
    typer.echo(mint(client_id, client_secret, subject))


def main() -> None:
    cli()
