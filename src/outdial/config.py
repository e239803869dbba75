"""Typed settings read from `OUTDIAL_*` environment variables.

There is no module-level instance: `Settings()` is built by the CLI (or a test) and passed
explicitly to everything that needs it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob outdial has; the README's settings table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="OUTDIAL_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/outdial.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    host: str = Field(default="127.0.0.1", description="Address `outdial serve` binds to")
    port: int = Field(default=8080, ge=1, le=65535, description="Port `outdial serve` binds to")
    public_url: str = Field(
        default="", description="Base URL printed in examples (default http://HOST:PORT)"
    )
    default_region: str = Field(
        default="US",
        min_length=2,
        max_length=2,
        description="ISO country used to read national-format phone numbers",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest JSON body accepted (413 above)"
    )
    default_lines: int = Field(
        default=10, ge=1, description="Concurrent calls a new account may place (its lines)"
    )
    default_cps: float = Field(
        default=5.0, gt=0, description="Calls per second a new account may start"
    )
    dialer: bool = Field(default=True, description="Run the dialing engine inside `serve`")
    telephony: Literal["simulated", "sip"] = Field(
        default="simulated", description="Telephony backend: simulated or sip"
    )
    sim_speed: float = Field(
        default=1.0, gt=0, description="Simulated carrier: divide ring and talk times by this"
    )
    sim_seed: int = Field(default=0, description="Simulated carrier: random seed")
    sim_answer: float = Field(default=0.6, ge=0, le=1, description="Simulated: P(answer)")
    sim_busy: float = Field(default=0.1, ge=0, le=1, description="Simulated: P(busy)")
    sim_no_answer: float = Field(default=0.2, ge=0, le=1, description="Simulated: P(no answer)")
    sim_failed: float = Field(default=0.05, ge=0, le=1, description="Simulated: P(failure)")
    sim_machine: float = Field(default=0.05, ge=0, le=1, description="Simulated: P(machine)")
    sim_call_log: str = Field(
        default="", description="Simulated: append every call the carrier sees to this JSONL file"
    )
    sip_trunk_uri: str = Field(
        default="",
        description="SIP: request-URI template of the trunk, e.g. sip:{number}@127.0.0.1:5070",
    )
    sip_transport: Literal["udp", "tcp"] = Field(
        default="udp", description="SIP: transport to the trunk (udp or tcp)"
    )
    sip_bind_host: str = Field(
        default="127.0.0.1", description="SIP: local address to bind (and advertise)"
    )
    sip_bind_port: int = Field(
        default=5060, ge=0, le=65535, description="SIP: local port, UDP and TCP (0: any free)"
    )
    sip_username: str = Field(default="", description="SIP: digest username for the trunk")
    sip_password: str = Field(default="", description="SIP: digest password for the trunk")
    sip_cps: float = Field(
        default=10.0, gt=0, description="SIP: calls per second the trunk accepts"
    )
    sip_max_calls: int = Field(
        default=100, ge=1, description="SIP: concurrent calls the trunk accepts"
    )
    sip_on_answer: str = Field(
        default="refer",
        pattern=r"^(refer|hangup:\d+(\.\d+)?)$",
        description="SIP: on answer, REFER to the flow (refer) or hold N s and hang up (hangup:N)",
    )
    sip_flow_uri: str = Field(
        default="",
        description="SIP: flow URI template, {flow} = flow id, {flowName} = its name",
    )
    lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Dialer lease: a silent worker's tasks are recovered after this",
    )
    tick_seconds: float = Field(
        default=1.0, gt=0, description="Dialer: longest pause between engine passes"
    )
    auth_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How long app credentials are cached per process (0: read every time)",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log level"
    )
    log_json: bool = Field(default=False, description="Write logs as JSON lines")
    secret_key: str = Field(
        default="",
        description="Signs dashboard session cookies; empty: a random key per process "
        "(every session ends when the process does)",
    )

    def base_url(self) -> str:
        """The URL users reach this server at, for printed examples."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"
