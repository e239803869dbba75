"""The attempts record as rows: shared by the export endpoint and `outdial simulate`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outdial.dialer.repository import attempt_key
from outdial.kit.auth import Tenant
from outdial.kit.timefmt import iso
from outdial.run.repository import RunRepository

PAGE = 1000
ATTEMPT_FIELDS = (
    "attemptId", "campaignInstanceId", "phoneNumber", "uniqueId", "attemptNumber", "timeZone",
    "startedAt", "answeredAt", "endedAt", "outcome", "reason",
)  # fmt: skip


def attempt_row(row: Any) -> dict[str, Any]:
    """One attempt (with its contact's uniqueId) as an export row."""
    attempt, unique_id = row
    outcome = attempt.outcome or ("in_progress" if attempt.state == "DIALING" else "")
    return {
        "attemptId": attempt_key(attempt.task_id, attempt.attempt_no),
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
            repo = RunRepository(session)
            rows = await repo.attempts_page(tenant, campaign_id, run_id, after, PAGE)
        for row in rows:
            yield attempt_row(row)
        if len(rows) < PAGE:
            return
        after = rows[-1][0].id
