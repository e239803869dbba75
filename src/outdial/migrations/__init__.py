"""Alembic migrations, run programmatically by `outdial db upgrade` and the tests.

Revisions live in `versions/`; `upgrade(url)` brings any database to head. On PostgreSQL an
advisory lock makes concurrent upgrades (several workers starting at once) take turns. May
import models and kit.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at this package, for the given database URL."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert to `revision` (used by the migration round-trip test)."""
    command.downgrade(alembic_config(url), revision)
