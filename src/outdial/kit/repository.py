"""The one place tenant filters are written: a base for repositories of tenant-owned rows.

Every table an API client reaches carries `account_id` and `stream_id`; another tenant's row
must answer exactly like a missing one. A repository built on `TenantRepository` gets its
tenant once, at construction, and builds every query from `select()`, which already holds the
tenant condition, so a new query cannot forget it (`AccountRepository` does the same for the
few objects an account's streams share). `paginate` and `stream` are the two ways
of reading many rows (a counted page; keyset pages in constant memory).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant


class _Row(Protocol):
    @property
    def id(self) -> Any: ...


M = TypeVar("M", bound=_Row)


def owned_by(model: Any, tenant: Tenant) -> ColumnElement[bool]:
    """`model`'s rows that belong to `tenant`: its account and its stream. Repositories of
    rows reached through another table (a run's attempts) and blocking repositories use it
    too, so the condition is written once."""
    condition: ColumnElement[bool] = (model.account_id == tenant.account_id) & (
        model.stream_id == tenant.stream_id
    )
    return condition


class ScopedRepository(ABC, Generic[M]):
    """Reads and writes the rows of `model` that `owned()` allows, in the caller's session."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @abstractmethod
    def owned(self) -> ColumnElement[bool]:
        """The condition every query of this repository carries."""

    def select(self) -> Select[M]:
        """`SELECT model WHERE <tenant>`: the start of every query of this repository."""
        return select(self.model).where(self.owned())

    async def get(self, row_id: str, *, lock: bool = False) -> M | None:
        """One row by id, or None when it is missing or another tenant's."""
        stmt = self.select().where(self.model.id == row_id)
        return await self.first(stmt.with_for_update() if lock else stmt)

    async def first(self, stmt: Select[M]) -> M | None:
        found: M | None = await self.session.scalar(stmt)
        return found

    async def all(self, stmt: Select[M]) -> Sequence[M]:
        return (await self.session.scalars(stmt)).all()

    async def paginate(self, stmt: Select[M], skip: int, limit: int) -> tuple[Sequence[M], int]:
        """One page of `stmt` (already ordered) and how many rows it has in all."""
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(stmt.offset(skip).limit(limit))
        return rows.all(), int(total or 0)

    async def stream(self, stmt: Select[M], page: int = 1000) -> AsyncIterator[M]:
        """Every row of `stmt` in id order, read `page` rows at a time after the last id
        seen, so memory stays flat however many there are."""
        after: Any = None
        while True:
            query = stmt.order_by(self.model.id).limit(page)
            if after is not None:
                query = query.where(self.model.id > after)
            rows = (await self.session.scalars(query)).all()
            for row in rows:
                yield row
            if len(rows) < page:
                return
            after = rows[-1].id

    def add(self, row: M) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, row: M) -> None:
        await self.session.delete(row)


class TenantRepository(ScopedRepository[M]):
    """One tenant's rows: its account's, in its stream."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        super().__init__(session)
        self.tenant = tenant

    def owned(self) -> ColumnElement[bool]:
        """The rows this tenant sees; a repository whose rows are seen more widely (an
        account's global DNC list) overrides this, and only this."""
        return owned_by(self.model, self.tenant)


class AccountRepository(ScopedRepository[M]):
    """One account's rows, for objects every stream of the account shares (SIP trunks)."""

    def __init__(self, session: AsyncSession, account_id: str) -> None:
        super().__init__(session)
        self.account_id = account_id

    def owned(self) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = self.model.account_id == self.account_id
        return condition
