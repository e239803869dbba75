"""Report shapes: Kore's contact outcomes (key for key with its sample) and run summaries."""

from __future__ import annotations

import hashlib
from math import ceil
from typing import Any

from outdial.kit.ids import dialing_id
from outdial.kit.timefmt import iso
from outdial.models import DialTask, Run
from outdial.models.dialing import Disposition, TaskState
from outdial.report.service import RunTotals

# how each final outcome reads in Kore's botOutboundStatus / botOutboundStatusDetail
_STATUS = {
    "answered": ("userHangUp", "user_hangup"),
    "machine": ("answeringMachine", "machine_detected"),
    "busy": ("busy", "busy"),
    "no_answer": ("noAnswer", "no_answer"),
    "failed": ("failed", "network_failure"),
    "invalid": ("invalidNumber", "invalid_number"),
    "unknown": ("unknown", "outcome_unknown"),
    "dnc": ("dncExcluded", "do_not_call"),
}
CONNECTED = (Disposition.CONNECTED, Disposition.ANSWERING_MACHINE)


def _session_id(task: DialTask) -> str:
    """A 24-hex id for the flow session of a connected record (Kore's botSessionId)."""
    if task.disposition not in CONNECTED:
        return ""
    return hashlib.sha256(f"{task.run_id}:{task.id}".encode()).hexdigest()[:24]


def contact_row(task: DialTask, unique_id: str | None) -> dict[str, Any]:
    """One record as `status?view=contacts` shows it."""
    status, detail = _STATUS.get(task.last_outcome or "", ("", ""))
    return {
        "phoneNumber": task.phone_number,
        "uniqueId": unique_id or "",
        "dialerOutcome": "completed" if task.state == TaskState.DONE else "",
        "numberOfAttemptsSoFar": task.attempts_made,
        "botSessionId": _session_id(task),
        "agentDispositionCodes": [task.disposition] if task.disposition else [],
        "botOutboundStatus": status,
        "botOutboundStatusDetail": detail,
    }


def contact_page(rows: list[Any], page: int, limit: int, total: int) -> dict[str, Any]:
    return {
        "results": [contact_row(task, unique_id) for task, unique_id in rows],
        "page": page,
        "limit": limit,
        "totalPages": ceil(total / limit) if limit else 0,
        "totalResults": total,
    }


def record_row(task: DialTask, unique_id: str | None) -> dict[str, Any]:
    """One record of a run, with the id callContactAt takes."""
    return {
        "campaignDialingListId": dialing_id(task.run_id, task.id),
        "phoneNumber": task.phone_number,
        "uniqueId": unique_id or "",
        "timeZone": task.time_zone,
        "state": task.state,
        "waitingFor": task.wait_reason,
        "nextAttemptAt": iso(task.next_attempt_at) if task.state == TaskState.WAITING else None,
        "attempts": task.attempts_made,
        "lastOutcome": task.last_outcome,
        "disposition": task.disposition,
    }


def run_summary(run: Run, totals: RunTotals) -> dict[str, Any]:
    """A run with what it did so far."""
    return {
        "campaignInstanceId": run.id,
        "status": run.status,
        "startedAt": iso(run.started_at),
        "endedAt": iso(run.ended_at),
        "records": run.total_tasks,
        "recordsByState": totals.by_state,
        "waitingForWindow": totals.by_state.get("waitingForWindow", 0),
        "attempts": sum(totals.outcomes.values()),
        "outcomes": totals.outcomes,
        "dispositions": totals.dispositions,
        "connectRate": totals.connect_rate,
        "contactRate": totals.contact_rate,
    }
