"""The attempts record as rows: shared by the export endpoint and `outdial simulate`."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.timefmt import iso
from outdial.models.dialing import AttemptState
from outdial.run.repository import RunRepository

PAGE = 1000
ATTEMPT_FIELDS = (
    "attemptId", "campaignInstanceId", "phoneNumber", "uniqueId", "attemptNumber", "timeZone",
    "startedAt", "answeredAt", "endedAt", "outcome", "reason",
)  # fmt: skip


def attempt_row(row: Any) -> dict[str, Any]:
    """One attempt (with its contact's uniqueId) as an export row."""
    attempt, unique_id = row
    outcome = attempt.outcome or ("in_progress" if attempt.state == AttemptState.DIALING else "")
    return {
        "attemptId": ids.attempt_id(attempt.task_id, attempt.attempt_no),
        "campaignInstanceId": attempt.run_id,
        "phoneNumber": attempt.phone_number,
        "uniqueId": unique_id or "",
        "attemptNumber": attempt.attempt_no,
        "timeZone": attempt.time_zone,
        "startedAt": iso(attempt.started_at),
        "answeredAt": iso(attempt.answered_at),
        "endedAt": iso(attempt.ended_at),
        "outcome": outcome,
        "reason": attempt.reason or "",
    }


async def iter_attempts(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, campaign_id: str, run_id: str | None
) -> AsyncIterator[dict[str, Any]]:
    """Every attempt of a campaign (or one run), read in pages so memory stays flat."""
    after = 0
    while True:
        async with sessions() as session:
            repo = RunRepository(session, tenant)
            rows = await repo.attempts_page(campaign_id, run_id, after, PAGE)
        for row in rows:
            yield attempt_row(row)
        if len(rows) < PAGE:
            return
        after = rows[-1][0].id


@dataclass(frozen=True)
class AttemptFilter:
    """Which attempts a reader wants: one run, one outcome, numbers containing some digits."""

    run_id: str | None = None
    outcome: str | None = None
    digits: str = ""

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether an export row passes (the run is already chosen by the query)."""
        if self.outcome and row["outcome"] != self.outcome:
            return False
        return self.digits in row["phoneNumber"]


async def attempts_page(
    session: AsyncSession,
    tenant: Tenant,
    campaign_id: str,
    wanted: AttemptFilter,
    skip: int,
    limit: int,
) -> list[dict[str, Any]]:
    """A page of attempts as export rows, newest first."""
    rows = await RunRepository(session, tenant).attempts_newest(
        campaign_id, wanted.run_id, wanted.outcome, wanted.digits, skip, limit
    )
    return [attempt_row(row) for row in rows]


async def iter_filtered(
    sessions: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    campaign_id: str,
    wanted: AttemptFilter,
) -> AsyncIterator[dict[str, Any]]:
    """Every attempt passing the filter, in attempt order (for a CSV download)."""
    async for row in iter_attempts(sessions, tenant, campaign_id, wanted.run_id):
        if wanted.matches(row):
            yield row


async def csv_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    """Export rows as CSV text in chunks of about 64 kB, so a download of millions of
    attempts streams in constant memory."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ATTEMPT_FIELDS, lineterminator="\n")
    writer.writeheader()
    async for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
