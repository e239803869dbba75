"""`outdial trunks ...`: manage SIP trunks and flow SIP URIs from the command line (the
same rules as the extension API; passwords are taken, never printed)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.config import Settings
from outdial.kit.db import in_one_session
from outdial.kit.errors import ApiError, not_found, translate
from outdial.kit.timefmt import utcnow
from outdial.models import Flow, Trunk
from outdial.trunk.repository import OperatorRepository
from outdial.trunk.schemas import FlowUpdate, TrunkCreate, TrunkUpdate
from outdial.trunk.service import TrunkService

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
trunks_cli = typer.Typer(help="SIP trunks of accounts, and the SIP URIs of experience flows.")

Account = Annotated[str, typer.Argument(help="24-hex account id")]
TrunkId = Annotated[str, typer.Argument(help="The trunk's id (tk-...)")]
Name = Annotated[str | None, typer.Option(help="A name, unique in the account")]
Uri = Annotated[str | None, typer.Option(help="Request-URI template, e.g. sip:{number}@host")]
Transport = Annotated[str | None, typer.Option(help="udp or tcp")]
Username = Annotated[str | None, typer.Option(help="Digest username")]
Password = Annotated[str | None, typer.Option(help="Digest password (see --password-stdin)")]
PasswordStdin = Annotated[bool, typer.Option(help="Read the password from standard input")]
Cps = Annotated[float | None, typer.Option(help="Calls per second the trunk accepts")]
MaxCalls = Annotated[int | None, typer.Option(help="Concurrent calls the trunk accepts")]
Default = Annotated[bool | None, typer.Option("--default/--no-default", help="Account default")]


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one session on the configured database; refusals exit with code 2."""

    try:
        return asyncio.run(in_one_session(Settings().database_url, work))
    except ApiError as exc:
        typer.echo("error: " + "; ".join(item.msg for item in exc.items), err=True)
        raise typer.Exit(2) from exc


def _parse(model: type[M], values: dict[str, Any], keep_none: bool = False) -> M:
    """Validate options with the API's own schema, naming the field on failure; options
    not given are left out (unless `keep_none`)."""
    try:
        given = values if keep_none else {k: v for k, v in values.items() if v is not None}
        return model.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(item.msg for item in translate(exc.errors()))
        typer.echo(f"error: {problems}", err=True)
        raise typer.Exit(2) from exc


def _password(given: str | None, from_stdin: bool) -> str | None:
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else given


def _line(row: Trunk) -> str:
    password = "set" if row.password else "none"
    default = "  default" if row.is_default else ""
    return (
        f"{row.id}  account={row.account_id}  name={row.name}  uri={row.uri}  "
        f"transport={row.transport}  username={row.username or '-'}  password={password}  "
        f"cps={row.cps:g}  max-calls={row.max_calls}{default}"
    )


async def _account_of(session: AsyncSession, trunk_id: str) -> str:
    account = await OperatorRepository(session).account_of(trunk_id)
    if account is None:
        raise not_found(f"SIP trunk {trunk_id} not found")
    return account


@trunks_cli.command("list")
def trunks_list(
    account: Annotated[str | None, typer.Option(help="Only this account")] = None,
) -> None:
    """Every trunk (of one account), passwords shown only as set or none."""

    async def work(session: AsyncSession) -> list[Trunk]:
        return list(await OperatorRepository(session).trunks(account))

    for row in _run(work):
        typer.echo(_line(row))


@trunks_cli.command("add")
def trunks_add(
    account: Account,
    name: Name = None,
    uri: Uri = None,
    transport: Transport = "udp",
    username: Username = None,
    password: Password = None,
    password_stdin: PasswordStdin = False,
    cps: Cps = None,
    max_calls: MaxCalls = None,
    default: Default = None,
) -> None:
    """Add a trunk to an account (its first trunk becomes its default)."""
    body = _parse(
        TrunkCreate,
        {
            "name": name,
            "uri": uri,
            "transport": transport,
            "username": username,
            "password": _password(password, password_stdin),
            "cps": cps,
            "maxCalls": max_calls,
            "isDefault": default,
        },
    )
    row = _run(lambda session: TrunkService(session, account).create(body))
    typer.echo(_line(row))


@trunks_cli.command("set")
def trunks_set(
    trunk_id: TrunkId,
    name: Name = None,
    uri: Uri = None,
    transport: Transport = None,
    username: Username = None,
    password: Password = None,
    password_stdin: PasswordStdin = False,
    cps: Cps = None,
    max_calls: MaxCalls = None,
    default: Default = None,
) -> None:
    """Change a trunk; what is not given stays as it is."""
    body = _parse(
        TrunkUpdate,
        {
            "name": name,
            "uri": uri,
            "transport": transport,
            "username": username,
            "password": _password(password, password_stdin),
            "cps": cps,
            "maxCalls": max_calls,
            "isDefault": default,
        },
    )

    async def work(session: AsyncSession) -> Trunk:
        account = await _account_of(session, trunk_id)
        return await TrunkService(session, account).update(trunk_id, body)

    typer.echo(_line(_run(work)))


@trunks_cli.command("remove")
def trunks_remove(trunk_id: TrunkId) -> None:
    """Delete a trunk."""

    async def work(session: AsyncSession) -> Trunk:
        account = await _account_of(session, trunk_id)
        return await TrunkService(session, account).delete(trunk_id)

    row = _run(work)
    typer.echo(f"{row.id}  removed")


@trunks_cli.command("flow")
def trunks_flow(
    flow_id: Annotated[str, typer.Argument(help="The experience flow's id (cf-...)")],
    sip_uri: Annotated[str | None, typer.Option(help="Where answered calls are sent")] = None,
    clear: Annotated[bool, typer.Option(help="Remove the flow's SIP URI")] = False,
) -> None:
    """Set an experience flow's SIP URI (the target of the REFER), or clear it."""
    if clear == (sip_uri is not None):
        typer.echo("error: give either --sip-uri or --clear", err=True)
        raise typer.Exit(2)
    body = _parse(FlowUpdate, {"sipUri": sip_uri}, keep_none=True)

    async def work(session: AsyncSession) -> Flow:
        row = await OperatorRepository(session).flow(flow_id)
        if row is None:
            raise not_found(f"Experience flow {flow_id} not found")
        row.sip_uri, row.updated_at = body.sipUri, utcnow()
        await session.commit()
        return row

    row = _run(work)
    typer.echo(f"{row.id}  name={row.name}  sip-uri={row.sip_uri or '-'}")
