"""Alembic migrations: they build exactly the schema the models describe (an `alembic check`
that finds nothing to generate), on SQLite and on PostgreSQL, and every revision downgrades
and upgrades again cleanly.

The backend follows OUTDIAL_TEST_BACKEND through conftest's `database_url` fixture; on
PostgreSQL that database is shared by the run, so every test that downgrades it restores head
before it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.pool import NullPool

from outdial import migrations
from outdial.kit.db import make_sync_engine
from outdial.models import Base

BASE_TABLES = {"alembic_version"}


@pytest.fixture
def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A connection on a throwaway engine (no pool left behind)."""
    engine = make_sync_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def differences(url: str) -> list[Any]:
    """What `alembic revision --autogenerate` would emit for this database (empty = none)."""
    with connect(url) as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"},
        )
        return list(compare_metadata(context, Base.metadata))


def tables(url: str) -> set[str]:
    with connect(url) as conn:
        return set(inspect(conn).get_table_names())


def current_revision(url: str) -> str | None:
    with connect(url) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def leftover_types(url: str) -> set[str]:
    """PostgreSQL enum types and sequences still in `public` (none may survive a downgrade)."""
    with connect(url) as conn:
        if conn.dialect.name != "postgresql":
            return set()
        enums = conn.execute(
            text(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                " WHERE t.typtype = 'e' AND n.nspname = 'public'"
            )
        ).scalars()
        sequences = conn.execute(
            text("SELECT sequence_name FROM information_schema.sequences")
        ).scalars()
        return {f"enum {e}" for e in enums} | {f"sequence {s}" for s in sequences}


def model_tables() -> set[str]:
    return set(Base.metadata.tables)


# --- structure of the revision graph ---


def test_one_head_and_one_base(script: ScriptDirectory) -> None:
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_every_revision_has_a_downgrade(script: ScriptDirectory) -> None:
    for revision in script.walk_revisions():
        assert revision.module is not None
        assert callable(getattr(revision.module, "downgrade", None)), revision.revision


# --- the schema the migrations build is the schema the models describe ---


def test_fresh_sqlite_upgrade_matches_the_models(tmp_path: Path, script: ScriptDirectory) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrations.upgrade(url)
    assert tables(url) == model_tables() | BASE_TABLES
    assert current_revision(url) == script.get_current_head()
    assert differences(url) == []


def test_the_comparison_sees_drift(tmp_path: Path) -> None:
    """Guard against a vacuous check: a schema that lost an index and gained a table differs."""
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    migrations.upgrade(url)
    with connect(url) as conn:
        index = next(
            i["name"] for t in sorted(model_tables()) for i in inspect(conn).get_indexes(t)
        )
        conn.execute(text(f'DROP INDEX "{index}"'))
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        conn.commit()
    found = differences(url)
    assert ("remove_table", "stray") in [(d[0], d[1].name) for d in found if d[0] == "remove_table"]
    assert any(d[0] == "add_index" and d[1].name == index for d in found), found


def test_migrated_database_matches_the_models(database_url: str, script: ScriptDirectory) -> None:
    """On the backend under test (SQLite or PostgreSQL): nothing left to autogenerate."""
    assert tables(database_url) == model_tables() | BASE_TABLES
    assert current_revision(database_url) == script.get_current_head()
    assert differences(database_url) == []


def test_upgrade_at_head_is_a_no_op(database_url: str, script: ScriptDirectory) -> None:
    migrations.upgrade(database_url)
    assert current_revision(database_url) == script.get_current_head()
    assert differences(database_url) == []


# --- round trips ---


def test_downgrade_to_base_and_upgrade_again(database_url: str, script: ScriptDirectory) -> None:
    try:
        migrations.downgrade(database_url, "base")
        assert tables(database_url) <= BASE_TABLES
        assert current_revision(database_url) is None
        assert leftover_types(database_url) == set()

        migrations.upgrade(database_url)
        assert tables(database_url) == model_tables() | BASE_TABLES
        assert current_revision(database_url) == script.get_current_head()
        assert differences(database_url) == []
    finally:
        migrations.upgrade(database_url)


def test_each_revision_downgrades_and_upgrades_again(
    database_url: str, script: ScriptDirectory
) -> None:
    """The stairway: from base, each revision goes up, back down one step, and up again."""
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    assert revisions
    try:
        migrations.downgrade(database_url, "base")
        for revision in revisions:
            below = revision.down_revision
            assert below is None or isinstance(below, str), "merge revisions are not expected"
            migrations.upgrade(database_url, revision.revision)
            after_up = tables(database_url)
            migrations.downgrade(database_url, below or "base")
            assert current_revision(database_url) == below
            migrations.upgrade(database_url, revision.revision)
            assert tables(database_url) == after_up
            assert current_revision(database_url) == revision.revision
        assert differences(database_url) == []
    finally:
        migrations.upgrade(database_url)


def test_downgrade_with_data_then_upgrade(database_url: str) -> None:
    """A populated database can be taken down to base and rebuilt."""
    with connect(database_url) as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, name, lines, cps, created_at)"
                " VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', 'x', 1, 1.0, CURRENT_TIMESTAMP)"
            )
        )
        conn.commit()
    try:
        migrations.downgrade(database_url, "base")
        assert tables(database_url) <= BASE_TABLES
        migrations.upgrade(database_url)
        with connect(database_url) as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one() == 0
    finally:
        migrations.upgrade(database_url)
