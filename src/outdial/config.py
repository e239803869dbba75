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
    telephony: Literal["simulated"] = Field(
        default="simulated", description="Telephony backend: simulated"
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

    def base_url(self) -> str:
        """The URL users reach this server at, for printed examples."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"
