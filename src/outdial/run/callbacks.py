"""Call-backs (spec §4.10, callContactAt): call one record of a run again at a set time.

Each item is answered on its own: a time in the past fails with Kore's `time_in_past`, an
unknown record with `not_found`, a record being dialed right now with `in_call`. A record that
had finished is reopened. The engine then treats the record like any waiting one: it is
dialed at that time if its calling window is open, else at the window's next opening, and
only if its number is on no DNC list by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.kit.auth import Tenant
from outdial.kit.errors import not_found
from outdial.kit.ids import parse_dialing_id
from outdial.kit.timefmt import parse_iso
from outdial.run.repository import RunRepository
from outdial.run.schemas import CallbackItem

OPEN_RUNS = ("Active", "Paused")


def _failed(item: CallbackItem, reason: str) -> dict[str, Any]:
    return {
        "campaignDialingListId": item.campaignDialingListId,
        "status": "failed",
        "reason": reason,
    }


async def _one(
    repo: RunRepository, run_id: str, status: str, item: CallbackItem, now: datetime
) -> dict[str, Any]:
    try:
        at = parse_iso(item.timeToContact)
    except ValueError:
        return _failed(item, "invalid_time")
    if at <= now:
        return _failed(item, "time_in_past")
    parsed = parse_dialing_id(item.campaignDialingListId)
    if parsed is None or not run_id.endswith(parsed[1]):
        return _failed(item, "not_found")
    if status not in OPEN_RUNS:
        return _failed(item, "run_not_active")
    outcome = await repo.call_back(run_id, parsed[0], at, now)
    if outcome != "scheduled":
        return _failed(item, outcome)
    return {
        "campaignDialingListId": item.campaignDialingListId,
        "status": "success",
        "reason": "scheduled",
    }


async def schedule_callbacks(
    session: AsyncSession, tenant: Tenant, run_id: str, items: Sequence[CallbackItem],
    now: datetime,
) -> list[dict[str, Any]]:  # fmt: skip
    """Answer every item; the ones that succeed are committed together."""
    repo = RunRepository(session, tenant)
    run = await repo.get(run_id)
    if run is None:
        raise not_found(f"Campaign instance {run_id} not found")
    answers = [await _one(repo, run.id, run.status, item, now) for item in items]
    await session.commit()
    return answers
