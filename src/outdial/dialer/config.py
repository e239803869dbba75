"""The configuration a run follows: the campaign's dialing settings, snapshotted.

A run keeps the campaign's settings as of its start (or its last resume) in `runs.config`, a
JSON column, so editing a paused campaign changes what the run does only when it resumes. This
class is that column's one typed shape: the engine reads it, the run service writes it, and
the stored keys (camelCase, as the first releases wrote them) never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunConfig:
    """What the engine needs to know about a run's campaign."""

    max_attempts: int
    retry_minutes: int
    ring_seconds: int
    days: tuple[dict[str, str], ...]
    timezone: str
    caller_id: str
    flow_id: str | None
    machine_detect: str
    dnc_list_id: str | None
    priority: int
    dialing_mode: str
    dialing_order: str

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "maxAttempts": self.max_attempts,
            "retryMinutes": self.retry_minutes,
            "ringSeconds": self.ring_seconds,
            "days": [dict(d) for d in self.days],
            "timezone": self.timezone,
            "callerId": self.caller_id,
            "flowId": self.flow_id,
            "machineDetect": self.machine_detect,
            "dncListId": self.dnc_list_id,
            "priority": str(self.priority),
            "dialingMode": self.dialing_mode,
            "dialingOrder": self.dialing_order,
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> RunConfig:
        """Read a stored config (every release's runs have every key)."""
        return cls(
            max_attempts=int(stored["maxAttempts"]),
            retry_minutes=int(stored["retryMinutes"]),
            ring_seconds=int(stored["ringSeconds"]),
            days=tuple(dict(d) for d in stored["days"]),
            timezone=str(stored["timezone"]),
            caller_id=str(stored["callerId"]),
            flow_id=stored.get("flowId"),
            machine_detect=str(stored.get("machineDetect") or "no"),
            dnc_list_id=stored.get("dncListId"),
            priority=int(stored["priority"]),
            dialing_mode=str(stored["dialingMode"]),
            dialing_order=str(stored["dialingOrder"]),
        )

    @property
    def hours_key(self) -> str:
        """Identifies the calling hours, so windows are computed once per distinct week."""
        return repr(self.days)
