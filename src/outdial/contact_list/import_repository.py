"""All SQL of a CSV import, on the import's own blocking connection.

Validated rows go to a TEMPORARY staging table that only this connection sees (SQLite keeps it
in its temp database, so staging never takes the main database's write lock; PostgreSQL drops
it with the session). They reach `contacts` in one INSERT ... SELECT, inside the transaction
that also counts them into the list, so an import is all or nothing. Staging uses the fast path
of each driver: `executemany` on SQLite, `COPY` on PostgreSQL.

Liveness of an import (is the process running it still there?) is exact on PostgreSQL: the
import's session holds an advisory lock named after the job, which the server releases when
the session dies. SQLite has no such lock; there an import is alive while its heartbeat
(`updated_at`, written at least every few seconds as rows arrive) is recent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from outdial.contact_list.batch import RowRefusal, StagedRow
from outdial.contact_list.repository import visible
from outdial.kit.auth import Tenant
from outdial.models import Contact, ContactList, ImportJob, ImportRowError

SQLITE_STALE_AFTER = timedelta(seconds=120)
ANALYZE_ABOVE = 50_000

STAGING = Table(
    "import_staging",
    MetaData(),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("phone_number", String(16), nullable=False),
    Column("number_zone", String(64)),
    Column("first_name", String(300)),
    Column("last_name", String(300)),
    Column("time_zone", String(64)),
    Column("unique_id", String(300)),
    Column("contact_priority", Integer),
    Column("custom", Text().with_variant(JSONB(), "postgresql")),
    prefixes=["TEMPORARY"],
)
_STAGED = [c.name for c in STAGING.columns]
_SQLITE_STAGE = f"INSERT INTO import_staging VALUES ({', '.join('?' for _ in _STAGED)})"
_PG_COPY = f"COPY import_staging ({', '.join(_STAGED)}) FROM STDIN WITH (FORMAT csv)"
_CONTACT_COLUMNS = [
    "list_id", "account_id", "stream_id", "phone_number", "number_zone", "first_name",
    "last_name", "time_zone", "unique_id", "contact_priority", "custom", "created_at",
    "updated_at",
]  # fmt: skip


@dataclass(frozen=True)
class TargetList:
    """The list an import writes to, as read under its lock."""

    id: str
    name: str
    account_id: str
    stream_id: str
    list_type: str
    allow_duplicates: bool
    default_region: str | None
    columns: list[Any]
    files: list[Any]


@dataclass(frozen=True)
class RunningJob:
    id: str
    updated_at: datetime


class ImportRepository:
    """Statements of one import, on one connection; `transaction()` brackets each step."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (BEGIN IMMEDIATE on SQLite: writers queue instead of failing)."""
        with self.conn.begin():
            yield

    def lock_list(self, tenant: Tenant | None, list_id: str) -> TargetList | None:
        """The list, locked until the transaction ends (row lock on PostgreSQL; SQLite's
        write transaction already excludes other writers). `tenant=None`: by id alone."""
        stmt = select(ContactList).where(ContactList.id == list_id)
        if tenant is not None:
            stmt = stmt.where(visible(tenant))
        row = self.conn.execute(stmt.with_for_update()).mappings().first()
        if row is None:
            return None
        return TargetList(**{k: row[k] for k in TargetList.__dataclass_fields__})

    def running_jobs(self, list_id: str) -> list[RunningJob]:
        stmt = select(ImportJob.id, ImportJob.updated_at).where(
            ImportJob.list_id == list_id, ImportJob.status == "running"
        )
        return [RunningJob(i, at) for i, at in self.conn.execute(stmt)]

    def job(self, job_id: str) -> dict[str, Any]:
        """An import's row as a mapping of column name to value."""
        table = ImportJob.__table__
        with self.transaction():
            row = self.conn.execute(select(table).where(table.c.id == job_id)).mappings().one()
        return dict(row)

    def job_status(self, job_id: str) -> str | None:
        return self.conn.scalar(select(ImportJob.status).where(ImportJob.id == job_id))

    def alive(self, job: RunningJob, now: datetime) -> bool:
        """Whether the process running `job` still holds it (see the module docstring)."""
        if not self.postgres:
            return job.updated_at > now - SQLITE_STALE_AFTER
        key = func.hashtextextended(job.id, 0)
        if not self.conn.scalar(select(func.pg_try_advisory_lock(key))):
            return True
        self.conn.execute(select(func.pg_advisory_unlock(key)))
        return False

    def hold(self, job_id: str) -> None:
        """Mark this session as the job's owner until `release` or until the session dies."""
        if self.postgres:
            self.conn.execute(select(func.pg_advisory_lock(func.hashtextextended(job_id, 0))))

    def release(self, job_id: str) -> None:
        if self.postgres:
            self.conn.execute(select(func.pg_advisory_unlock(func.hashtextextended(job_id, 0))))

    def insert_job(self, values: dict[str, Any]) -> None:
        self.conn.execute(insert(ImportJob).values(**values))

    def update_job(self, job_id: str, **values: Any) -> None:
        self.conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))

    def update_list(self, list_id: str, **values: Any) -> None:
        self.conn.execute(update(ContactList).where(ContactList.id == list_id).values(**values))

    def count_in(self, list_id: str, inserted: int, **values: Any) -> None:
        """Add `inserted` to the list's record_count (in the same transaction as the rows)."""
        count = ContactList.record_count + inserted
        self.update_list(list_id, record_count=count, **values)

    def add_refusals(self, job_id: str, refusals: Sequence[RowRefusal]) -> None:
        if refusals:
            rows = [
                {"job_id": job_id, "line": n, "field": f[:128], "reason": r} for n, f, r in refusals
            ]
            self.conn.execute(insert(ImportRowError), rows)

    def create_staging(self) -> None:
        STAGING.drop(self.conn, checkfirst=True)
        STAGING.create(self.conn)

    def drop_staging(self) -> None:
        STAGING.drop(self.conn, checkfirst=True)

    def stage_rows(self, rows: Sequence[StagedRow]) -> None:
        """Append validated rows to the staging table (SQLite: `executemany`)."""
        if rows:
            raw: Any = self.conn.connection.dbapi_connection
            raw.executemany(_SQLITE_STAGE, rows)

    def stage_copy(self, data: str) -> None:
        """Append rows already written as CSV (PostgreSQL: one `COPY` per block)."""
        raw: Any = self.conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
            copy.write(data)

    def move(self, target: TargetList, dedupe: bool, now: datetime) -> int:
        """Staged rows into the list in file order, in one statement; with `dedupe`, only the
        first row of each number, and none the list already holds. Returns rows inserted."""
        s = STAGING
        if self.postgres:  # temporary tables are never analysed by autovacuum
            self.conn.execute(text("ANALYZE import_staging"))
        where: list[Any] = []
        if dedupe:
            firsts = select(func.min(s.c.line)).group_by(s.c.phone_number)
            held = exists().where(
                Contact.list_id == target.id, Contact.phone_number == s.c.phone_number
            )
            where = [s.c.line.in_(firsts), ~held]
        stmt = insert(Contact).from_select(_CONTACT_COLUMNS, self._rows(s, target, now, where))
        result = self.conn.execute(stmt.execution_options(preserve_rowcount=True))
        return int(result.rowcount)

    @staticmethod
    def _rows(source: Table, target: TargetList, now: datetime, where: list[Any]) -> Any:
        c = source.c
        stamp = literal(now, Contact.created_at.type)
        return (
            select(
                literal(target.id),
                literal(target.account_id),
                literal(target.stream_id),
                c.phone_number,
                c.number_zone,
                c.first_name,
                c.last_name,
                c.time_zone,
                c.unique_id,
                c.contact_priority,
                c.custom,
                stamp,
                stamp,
            )
            .where(*where)
            .order_by(c.line)
        )

    def refresh_statistics(self, inserted: int) -> None:
        """PostgreSQL plans on statistics; after a large import they are stale until
        autovacuum catches up, so gather them now (a sample, not a scan)."""
        if self.postgres and inserted >= ANALYZE_ABOVE:
            with self.transaction():
                self.conn.execute(text("ANALYZE contacts"))
